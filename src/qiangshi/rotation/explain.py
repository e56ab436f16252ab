"""One-line reasons for the moves of a plan, in the user's language and with school and teacher
names: what the receiving school lacks that the teacher brings (an indicator below its minimum,
a subject it is short of), or that it is below the district's average, and how far the move is.
The engine decides the moves; this only tells them (from the same inputs the engine used)."""

from __future__ import annotations

import math
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qiangshi.engines import rotation as engine

from .outputs import subject_label


def _labels() -> tuple[str, str, str]:
    return (_("higher-degree teacher"), _("backbone teacher"), _("PE/arts teacher"))


class Explainer:
    def __init__(self, inp):
        self.inp = inp
        self.schools = {s.id: s for s in inp.schools}
        self.teachers = {t.id: t for t in inp.teachers if t.preference}
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for s in inp.schools:
            t = totals[s.district]
            for k, v in enumerate(s.totals()):
                t[k] += v
            t[3] += s.enrollment
        self.district = totals

    def _principal(self, move: engine.Move) -> str:
        """A principal's move: who takes their place at home (the principal arriving there, or
        the new appointment the planner named)."""
        values = {
            "teacher": self.inp.candidate_by_id[move.teacher].name,
            "origin": self.inp.school_by_id[move.origin].name,
            "school": self.inp.school_by_id[move.destination].name,
        }
        if self.schools[move.origin].appoint_principal:
            return (
                _(
                    "Principals' rotation: %(teacher)s leads %(school)s; a new principal is "
                    "appointed at %(origin)s"
                )
                % values
            )
        return (
            _(
                "Principals' rotation: %(teacher)s leads %(school)s; %(origin)s receives a "
                "principal in exchange"
            )
            % values
        )

    def reason(self, move: engine.Move) -> str:
        text = self._reason(move)
        teacher = self.teachers.get(move.teacher)
        if teacher is not None and teacher.preference and move.destination in teacher.preference:
            rank = teacher.preference.index(move.destination) + 1
            text += _("; choice %(n)d of the teacher") % {"n": rank}
        return text

    def _reason(self, move: engine.Move) -> str:
        if move.is_principal:
            return self._principal(move)
        s = self.schools[move.destination]
        origin = self.inp.school_by_id[move.origin].name
        dest = self.inp.school_by_id[move.destination].name
        candidate = self.inp.candidate_by_id[move.teacher]
        flags = (candidate.has_higher_degree, candidate.is_backbone, candidate.is_pe_arts)
        labels = _labels()
        lacks, has = [], []
        for k, (count, minimum) in enumerate(zip(s.totals(), s.minimums(), strict=True)):
            if not flags[k]:
                continue
            miss = math.ceil(minimum * s.enrollment / 100 - count - 1e-9)
            if miss > 0:
                lacks.append(
                    ngettext("%(n)d %(what)s", "%(n)d %(what)s", miss)
                    % {"n": miss, "what": labels[k]}
                )
                has.append(labels[k])
        need = s.needs_subjects.get(candidate.subject, 0)
        if need > 0:
            subject = subject_label(candidate.subject)
            lacks.append(_("%(n)d %(subject)s teacher(s)") % {"n": need, "subject": subject})
            has.append(_("%(subject)s teacher") % {"subject": subject})
        km = _("%(km).1f km from %(school)s") % {"km": move.distance_km, "school": origin}
        if lacks:
            return _("%(school)s lacks %(what)s; %(teacher)s is %(has)s, %(where)s") % {
                "school": dest,
                "what": _(", ").join(lacks),
                "teacher": candidate.name,
                "has": _(" and ").join(has),
                "where": km,
            }
        d = self.district[s.district]
        below = [
            labels[k]
            for k in range(3)
            if flags[k] and d[3] and s.totals()[k] < s.enrollment * d[k] / d[3] - 1e-6
        ]
        if below:
            return _(
                "%(school)s is below the district average in %(what)s; %(teacher)s is one, "
                "%(where)s"
            ) % {"school": dest, "what": _(" and ").join(below), "teacher": candidate.name,
                 "where": km}  # fmt: skip
        values = {
            "origin": origin,
            "school": dest,
            "teacher": candidate.name,
            "subject": subject_label(candidate.subject),
            "where": km,
        }
        if not candidate.subject:
            return (
                _(
                    "Rotation quota of %(origin)s; %(school)s is the best allowed destination "
                    "for %(teacher)s, %(where)s"
                )
                % values
            )
        return (
            _(
                "Rotation quota of %(origin)s; %(school)s is the best allowed destination for "
                "%(teacher)s (%(subject)s), %(where)s"
            )
            % values
        )
