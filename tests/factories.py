"""Factories for test data. Commitments get their status through the domain service."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts import roles
from commitments.models import Body, Commitment, Source, StatusChange, Tag
from commitments.services.lifecycle import commitment_save
from commitments.services.status import StatusChangeInput

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    language = "fr"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            # Transactional tests (live server, races) flush the database, groups included.
            roles.ensure_groups()
            self.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"body-{n}")
    name = factory.Sequence(lambda n: f"Organisme {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = Body.Kind.MINISTRY
    level = Body.Level.NATIONAL
    country = "FR"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Document {n}")
    publisher = "Ministère"
    publication_date = datetime.date(2022, 7, 1)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"Thème {n}")


def make_commitment(
    *,
    status: str = Commitment.Status.NOT_STARTED,
    effective_date: datetime.date = datetime.date(2020, 1, 1),
    author=None,
    tags=(),
    **fields,
) -> Commitment:
    """Create a commitment with its first history entry, through the domain service."""
    counter = next(_commitment_numbers)
    fields.setdefault("key", f"commitment-{counter}")
    fields.setdefault("title", f"Engagement {counter}")
    fields.setdefault("category", Commitment.Category.ACTION_PLAN)
    if "responsible_body" not in fields:
        fields["responsible_body"] = BodyFactory()
    return commitment_save(
        commitment=None,
        data={**fields, "tags": tags},
        expected_version=None,
        status_change=StatusChangeInput(status, effective_date),
        author=author,
        origin=StatusChange.Origin.WEB,
        today=max(effective_date, datetime.date.today()),
    )


def _numbers():
    number = 0
    while True:
        number += 1
        yield number


_commitment_numbers = _numbers()


def make_deadline(commitment: Commitment, *, sources=None, today=None, **data):
    """Add a deadline through ``deadline_save`` (defaults: a step, "no later than", set by a
    text); ``data`` as the service takes it (``date``, ``precision``, ``basis``…)."""
    from commitments.services.deadlines import deadline_save

    commitment.refresh_from_db()
    data.setdefault("label", "Échéance")
    data.setdefault("kind", "step")
    return deadline_save(
        commitment=commitment,
        data=data,
        expected_version=commitment.version,
        sources=sources,
        today=today,
    )


def make_claim(commitment: Commitment, *, today=None, **data):
    """Record a claim through ``claim_record`` (defaults: the state, a statement, a source)."""
    from commitments.services.evidence import claim_record

    commitment.refresh_from_db()
    data.setdefault("side", "state")
    data.setdefault("kind", "statement")
    data.setdefault("text", "Déclaration")
    data.setdefault("made_on", datetime.date(2022, 7, 1))
    if "source" not in data:
        data["source"] = SourceFactory()
    return claim_record(
        commitment=commitment, data=data, expected_version=commitment.version, today=today
    )


def make_ask(commitment: Commitment, *, today=None, **data):
    """Record an ask through ``ask_record`` (defaults: a request by a new body, sourced)."""
    from commitments.services.evidence import ask_record

    commitment.refresh_from_db()
    data.setdefault("text", "Créer un mécanisme national d'orientation")
    data.setdefault("made_on", datetime.date(2022, 7, 1))
    if "body" not in data:
        data["body"] = BodyFactory()
    if "source" not in data:
        data["source"] = SourceFactory()
    return ask_record(
        commitment=commitment, data=data, expected_version=commitment.version, today=today
    )
