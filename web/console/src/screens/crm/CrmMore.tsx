// The CRM summary's further parts: occupancy as a weekday × hour heat map, demographics and
// app adoption, funnels and tasks.
import '../../more.css';
import { Funnels } from './Funnels';
import { Heatmap } from './Heatmap';
import { Insights } from './Insights';
import { Tasks } from './Tasks';

export function CrmMore({ date }: { date: string }) {
  return (
    <>
      <Heatmap date={date} />
      <Insights date={date} />
      <Funnels />
      <Tasks />
    </>
  );
}
