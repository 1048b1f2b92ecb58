"""Who may call what: reads are open (narrowed by each view's queryset), writes need a model
permission granted by a role (``accounts/roles.py``)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

READ_ALL_PERMISSION = "commitments.view_commitment"

# Method -> model permission action, as Django's admin and DRF's DjangoModelPermissions.
METHOD_ACTIONS = {
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def can_read_everything(user) -> bool:
    """Viewers, editors and administrators read non-public commitments; anyone else does not."""
    return bool(user and user.is_authenticated and user.has_perm(READ_ALL_PERMISSION))


class ApiPermission(BasePermission):
    """Safe methods: everyone, anonymous included, unless the view sets
    ``read_requires_authentication``. Other methods: an authenticated user holding every
    permission the view requires for that method (``view.get_required_permissions``), by
    default ``<app>.<add|change|delete>_<model>`` of the view's model.

    A method the endpoint does not offer is let through so the caller gets 405, not 403.
    """

    def has_permission(self, request, view) -> bool:
        action_map = getattr(view, "action_map", None)
        if (
            action_map is not None
            and request.method != "OPTIONS"
            and request.method.lower() not in action_map
        ):
            return True  # the view answers 405 Method Not Allowed
        if request.method in SAFE_METHODS:
            if getattr(view, "read_requires_authentication", False):
                return bool(request.user and request.user.is_authenticated)
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # 401: authentication would help
        return request.user.has_perms(view.get_required_permissions(request.method))


def model_permissions(model, method: str) -> list[str]:
    action = METHOD_ACTIONS.get(method)
    if action is None:
        return []
    return [f"{model._meta.app_label}.{action}_{model._meta.model_name}"]
