"""The studio's rank program: on/off, terminology, the categories with their ordered
ranks (and each rank's stripes), and the ranks removed from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ranks.domain.categories import Category, RankDef, Terminology


@dataclass
class Program:
    """One aggregate per studio (key `program`), changed by hand only."""

    enabled: bool = False
    terminology: Terminology = Terminology.BELTS
    categories: list[Category] = field(default_factory=list)
    # Ranks removed from a category, kept so that old history entries still resolve.
    removed: dict[str, tuple[str, RankDef]] = field(default_factory=dict)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def rank(self, rank_id: str) -> tuple[Category, RankDef] | None:
        for category in self.categories:
            for rank in category.ranks:
                if rank.id == rank_id:
                    return category, rank
        if rank_id in self.removed:
            category_id, rank = self.removed[rank_id]
            found = self.category(category_id)
            if found is not None:
                return found, rank
        return None

    def replace(self, category: Category) -> None:
        self.categories = [category if c.id == category.id else c for c in self.categories]
