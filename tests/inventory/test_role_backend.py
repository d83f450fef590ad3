"""R-ROLE-1: `RoleBackend` answers exactly as Django's ModelBackend, in one query instead of two."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from inventory.permissions import ROLES, SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER, RoleBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def both(user):
    """The two backends' answers for fresh copies of the user (each backend caches on the object)."""
    fresh = type(user).objects.get
    return RoleBackend().get_all_permissions(fresh(pk=user.pk)), ModelBackend().get_all_permissions(
        fresh(pk=user.pk)
    )


@pytest.mark.parametrize("roles", [(), (WAREHOUSE_WORKER,), (SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER), ROLES])
def test_same_permissions_as_model_backend_for_roles_and_own_permissions(roles):
    user = UserFactory(roles=roles)
    user.user_permissions.add(Permission.objects.get(codename="view_group"))
    ours, django = both(user)
    assert ours == django
    assert "auth.view_group" in ours
    assert all(p in ours for g in Group.objects.filter(name__in=roles) for p in perms_of(g))


def perms_of(group):
    return {
        f"{app}.{code}" for app, code in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_superuser_and_inactive_user_as_model_backend():
    superuser = UserFactory(roles=(), is_superuser=True)
    ours, django = both(superuser)
    assert ours == django and len(ours) == Permission.objects.count()

    inactive = UserFactory(roles=ROLES, is_active=False)
    assert both(inactive) == (set(), set())


def test_one_query_then_cached_on_the_user(django_assert_num_queries):
    user = UserFactory(roles=ROLES)
    backend = RoleBackend()
    with django_assert_num_queries(1):
        assert backend.has_perm(user, "sales.change_salesline")
        assert backend.has_perm(user, "inventory.add_reservation")
        assert not backend.has_perm(user, "auth.delete_user")


def test_a_session_signed_in_through_model_backend_stays_signed_in(client):
    """Sessions from before RoleBackend name Django's ModelBackend: it stays listed, so they go on."""
    user = UserFactory(roles=(SALES_ORDER_PROCESSOR,))
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("sales:order-new"))
    assert response.status_code == 200 and response.wsgi_request.user == user
