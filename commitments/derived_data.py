"""What the modules that keep data derived from the commitments' own share (``search_index``:
the search documents; ``advocacy_facts``: the last news and the state's claimed status)."""

from django.db.models.signals import post_delete, post_save


class _ProjectModels:
    """The project's own models, looked up when first needed (these modules are imported by the
    models' app before the models are ready). A migration passes its historical ones instead,
    as any object with the same attribute names."""

    def __getattr__(self, name):
        from . import models

        return getattr(models, name)


PROJECT_MODELS = _ProjectModels()


def on_save_and_delete(receiver, models, uid: str) -> None:
    """Connect ``receiver`` to every save and deletion of each of ``models``."""
    for model in models:
        name = model.__name__
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.save.{name}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}.delete.{name}")
