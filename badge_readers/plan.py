"""The site plan: which readers exist (with their keys) and which badges, for the simulator.

A plan is a JSON file (README.md shows one). Key paths are relative to the
plan file's directory unless absolute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]
BadgeUid = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z:_-]{1,64}$")]
DoorKind = Literal["door", "airlock_outer", "airlock_inner", "rack_door", "turnstile"]
HolderKind = Literal["staff", "contractor", "visitor", "tenant_staff"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReaderPlan(_Strict):
    """A reader at a door: swiping at an `in` reader enters the door's inner zone."""

    code: Code
    door: Code = Field(description="Code of the reader's door (sent in door events).")
    direction: Literal["in", "out"]
    door_kind: DoorKind = "door"
    key: Path = Field(description="Ed25519 private key, PKCS8 PEM.")


class BadgePlan(_Strict):
    """A badge and who holds it; `holder` null is an unassigned badge."""

    uid: BadgeUid
    status: Literal["active", "revoked", "lost", "suspended"] = "active"
    holder: HolderKind | None = "staff"


class SitePlan(_Strict):
    """Everything the simulator needs to drive a site's readers."""

    site: Code = "site"
    timezone: str = Field("Europe/Paris", description="Shifts follow this local time.")
    route: list[Code] = Field(
        default_factory=list,
        description="Door codes from outside to the secure room, in walking order; "
        "empty = every non-rack door, in the order its first reader appears.",
    )
    readers: list[ReaderPlan] = Field(min_length=1)
    badges: list[BadgePlan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SitePlan:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        for label, values in (
            ("reader code", [r.code for r in self.readers]),
            ("badge uid", [b.uid for b in self.badges]),
            ("route door", self.route),
        ):
            if len(set(values)) != len(values):
                raise ValueError(f"duplicate {label}")
        seen = {(r.door, r.direction) for r in self.readers}
        if len(seen) != len(self.readers):
            raise ValueError("two readers share a door and a direction")
        unknown = set(self.route) - {r.door for r in self.readers}
        if unknown:
            raise ValueError(f"route names doors without readers: {sorted(unknown)}")
        if not self.walking_route():
            raise ValueError("no door to walk through: the route needs a non-rack door")
        return self

    def walking_route(self) -> list[str]:
        """The doors walked through from outside to the secure room."""
        if self.route:
            return list(self.route)
        doors = [r.door for r in self.readers if r.door_kind != "rack_door"]
        return list(dict.fromkeys(doors))

    def rack_doors(self) -> list[str]:
        """The rack doors, opened from inside the secure room."""
        return list(dict.fromkeys(r.door for r in self.readers if r.door_kind == "rack_door"))

    def reader_at(self, door: str, direction: str) -> ReaderPlan | None:
        """The reader on that side of the door, if there is one."""
        for reader in self.readers:
            if reader.door == door and reader.direction == direction:
                return reader
        return None

    def controller(self, door: str) -> ReaderPlan | None:
        """The reader that reports the door's own events (opened without a swipe, forced)."""
        return self.reader_at(door, "in") or self.reader_at(door, "out")

    def with_keys_under(self, directory: Path) -> SitePlan:
        """The plan with relative key paths resolved against a directory."""
        readers = [r.model_copy(update={"key": directory / r.key}) for r in self.readers]
        return self.model_copy(update={"readers": readers})


def load_plan(path: Path) -> SitePlan:
    """Read and validate a plan file; key paths become absolute."""
    plan = SitePlan.model_validate_json(path.read_bytes())
    return plan.with_keys_under(path.resolve().parent)
