"""Commitments with deadlines, claims, events and asks, built through the domain services as
the seeds of issue 10 describe them (on the fixed day of the API tests, 2026-03-15)."""

import datetime

from commitments.models import Deadline
from commitments.services.deadlines import deadline_save, event_save
from commitments.services.evidence import ask_record, claim_record

from ..factories import BodyFactory, SourceFactory, make_commitment


def add_deadline(commitment, sources=None, **data):
    commitment.refresh_from_db()
    data.setdefault("label", "Échéance")
    return deadline_save(
        commitment=commitment, data=data, expected_version=commitment.version, sources=sources
    )


def add_claim(commitment, **data):
    commitment.refresh_from_db()
    data.setdefault("source", SourceFactory(key="ministere-2022"))
    data.setdefault("text", "Ce que dit le ministère")
    data.setdefault("made_on", datetime.date(2022, 7, 1))
    return claim_record(commitment=commitment, data=data, expected_version=commitment.version)


def add_ask(commitment, **data):
    commitment.refresh_from_db()
    data.setdefault("source", SourceFactory(key="collectif-2022"))
    data.setdefault("text", "Créer le mécanisme")
    return ask_record(commitment=commitment, data=data, expected_version=commitment.version)


def advocacy_catalogue(*, is_public: bool = True) -> dict:
    """The OSCE comments (expected by the coalition, March 2022, claimed sent by the state),
    the second and third plans (successor, disputed end), the CRC report (before a September
    2022 session) and the referral mechanism (no deadline, asked for in July 2022)."""
    ministry = BodyFactory(key="miprof", name="MIPROF", acronym="MIPROF")
    coalition = BodyFactory(key="collectif", name="Collectif Ensemble contre la traite")
    committee = BodyFactory(key="crc", name="Comité des droits de l'enfant", acronym="CRC")
    owner_kwargs = {"responsible_body": ministry, "is_public": is_public, "due_date": None}

    osce = make_commitment(key="osce", title="Commentaires à l'OSCE", **owner_kwargs)
    add_deadline(
        osce,
        label="Commentaires envoyés à l'OSCE",
        bound=Deadline.Bound.NO_LATER_THAN,
        basis=Deadline.Basis.EXPECTED,
        date=datetime.date(2022, 3, 1),
        precision="month",
        reasoning="« attendus depuis plus de quatre mois » en juillet 2022",
    )
    add_claim(
        osce,
        side="state",
        body=ministry,
        kind="status",
        claimed_status="met",
        text="Les commentaires ont été envoyés",
        made_on=datetime.date(2022, 7, 1),
        made_on_precision="month",
    )
    add_ask(osce, body=coalition, made_on=datetime.date(2022, 7, 29), text="Envoyer")

    plan2 = make_commitment(
        key="plan2", title="Deuxième plan", status="in_progress", **owner_kwargs
    )
    add_claim(
        plan2,
        side="coalition",
        body=coalition,
        kind="period",
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2021, 1, 1),
        period_precision="year",
        made_on=datetime.date(2022, 7, 29),
        text="2019-2021",
    )
    add_claim(
        plan2,
        side="state",
        body=ministry,
        kind="period",
        period_start=datetime.date(2019, 1, 1),
        period_end=datetime.date(2023, 1, 1),
        period_precision="year",
        made_on=datetime.date(2022, 5, 1),
        text="2019-2023",
    )
    plan3 = make_commitment(key="plan3", title="Troisième plan", **owner_kwargs)
    add_deadline(
        plan3,
        label="Troisième plan adopté",
        basis=Deadline.Basis.SUCCESSOR,
        predecessor=plan2,
        reasoning="dû à la fin du deuxième plan",
    )

    session = event_save(
        data={
            "key": "crc-session-2022-09",
            "name": "Session du Comité, septembre 2022",
            "kind": "session",
            "body": committee,
            "date": datetime.date(2022, 9, 1),
            "date_precision": "month",
        }
    )
    crc = make_commitment(key="crc", title="Rapport au Comité", **owner_kwargs)
    add_deadline(
        crc,
        label="Rapport envoyé avant la session",
        kind=Deadline.Kind.STEP,
        basis=Deadline.Basis.EVENT,
        event=session,
        offset_days=0,
    )

    referral = make_commitment(
        key="referral", title="Mécanisme national d'orientation", **owner_kwargs
    )
    add_ask(referral, body=coalition, made_on=datetime.date(2022, 7, 1), made_on_precision="month")
    add_ask(referral, body=committee, made_on=datetime.date(2023, 1, 15), kind="recommendation")

    recent = make_commitment(
        key="recent",
        title="Engagement récent",
        effective_date=datetime.date(2026, 1, 10),
        **{**owner_kwargs, "due_date": datetime.date(2026, 4, 1)},
    )
    for commitment in (osce, plan2, plan3, crc, referral, recent):
        commitment.refresh_from_db()
    return {
        "osce": osce,
        "plan2": plan2,
        "plan3": plan3,
        "crc": crc,
        "referral": referral,
        "recent": recent,
        "session": session,
        "ministry": ministry,
        "coalition": coalition,
        "committee": committee,
    }
