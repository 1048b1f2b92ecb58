"""The OpenAPI schema says null wherever the API can answer null: every field read from a
nullable column (or through a nullable relation) is documented ``nullable``."""

import importlib
import inspect
import pkgutil

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

import api


def api_model_serializers():
    for module_info in pkgutil.iter_modules(api.__path__):
        module = importlib.import_module(f"api.{module_info.name}")
        for name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and issubclass(cls, serializers.ModelSerializer)
                and cls.__module__ == module.__name__
            ):
                yield name, cls


def column_can_be_null(model, source: str) -> bool:
    """Whether the column ``source`` (``alert.closed_at``) names, or a relation on the way
    to it, can be NULL. Reverse relations and non-fields (properties, methods) are not."""
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:  # a property or a method: its serializer field says
            return False
        if field.auto_created and not field.concrete:
            return False
        if field.null:
            return True
        if field.is_relation:
            model = field.related_model
    return False


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_every_nullable_column_is_nullable_in_the_schema(components):
    checked, wrong = 0, []
    for name, serializer_class in api_model_serializers():
        base = name.removesuffix("Serializer")
        documented = [
            components[variant]
            for variant in (base, f"{base}Request", f"Patched{base}Request")
            if variant in components
        ]
        for field_name, field in serializer_class().fields.items():
            if field.source == "*" or not column_can_be_null(
                serializer_class.Meta.model, field.source
            ):
                continue
            for component in documented:
                prop = component["properties"].get(field_name)
                if prop is None:
                    continue
                checked += 1
                if not (prop.get("nullable") or "NullEnum" in str(prop)):
                    wrong.append((name, field_name))
    assert wrong == []
    assert checked >= 10


def test_an_open_alert_reads_closed_at_null_as_documented(components):
    closed_at = components["Alert"]["properties"]["closed_at"]
    assert closed_at["nullable"] is True
    assert closed_at["readOnly"] is True
