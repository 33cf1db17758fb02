// Occupancy cells by ISO weekday (1 Monday … 7 Sunday) and hour in the studio's time zone:
// from the graph's month heat map (which takes the service and professional filters), or
// summed from its per-hour points for a day.
export type Cell = { weekday: number; hour: number; offered: number; booked: number };

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function cellsFromPoints(points: { at: string; placesOffered: number; placesBooked: number }[], timeZone: string): Cell[] {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', hourCycle: 'h23' });
  const byKey = new Map<string, Cell>();
  for (const point of points) {
    const found = Object.fromEntries(parts.formatToParts(new Date(point.at)).map((p) => [p.type, p.value]));
    const weekday = WEEKDAYS[found.weekday ?? ''] ?? 1;
    const hour = Number(found.hour ?? 0);
    const key = `${weekday}-${hour}`;
    const cell = byKey.get(key) ?? { weekday, hour, offered: 0, booked: 0 };
    cell.offered += point.placesOffered;
    cell.booked += point.placesBooked;
    byKey.set(key, cell);
  }
  return [...byKey.values()];
}

export function cellsFromHeatmap(cells: { weekday: number; hour: number; placesOffered: number; placesBooked: number }[]): Cell[] {
  return cells.map((c) => ({ weekday: c.weekday, hour: c.hour, offered: c.placesOffered, booked: c.placesBooked }));
}

/** The hours to show: from the earliest to the latest hour with places, at least 8 to 21. */
export function hourRange(cells: Cell[]): number[] {
  const hours = cells.map((c) => c.hour);
  const from = Math.min(8, ...hours);
  const to = Math.max(21, ...hours);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** 0-4: how full a cell is, for its shade (the text says the same in numbers). */
export function level(cell: Cell | undefined): number {
  if (!cell || cell.offered === 0) return 0;
  return Math.min(4, 1 + Math.floor((cell.booked / cell.offered) * 4));
}
