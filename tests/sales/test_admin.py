"""The sales admin: customers (spec section 2)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from sales.models import Customer
from tests.factories import CustomerFactory, LocationFactory

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_sales_admin_page_opens(staff_client):
    CustomerFactory(location=LocationFactory())
    registered = [m for m in admin.site._registry if m._meta.app_label == "sales"]
    assert Customer in registered
    for model in registered:
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        assert staff_client.get(admin_url(model, "add")).status_code == 200, model
        obj = model._default_manager.first()
        assert obj is not None, f"create a {model.__name__} in this test"
        assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model


def test_customer_added_with_its_location(staff_client):
    location = LocationFactory(code="BLUE")
    response = staff_client.post(
        admin_url(Customer, "add"), {"no": "C10000", "name": "The Cannon Group", "location": location.pk}
    )
    assert response.status_code == 302
    customer = Customer.objects.get(no="C10000")
    assert customer.location == location
    assert not customer.blocked


def test_customer_location_is_an_autocomplete(staff_client):
    LocationFactory(code="BLUE")
    LocationFactory(code="RED")
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "sales", "model_name": "customer", "field_name": "location", "term": "blu"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["BLUE"]


def test_customer_changelist_search_and_blocked_filter(staff_client):
    CustomerFactory(no="C10000", name="The Cannon Group")
    CustomerFactory(no="C20000", name="Selangorian Ltd.", blocked=True)
    url = admin_url(Customer, "changelist")
    assert [c.no for c in staff_client.get(url, {"q": "cannon"}).context["cl"].result_list] == ["C10000"]
    assert [c.no for c in staff_client.get(url, {"q": "C2"}).context["cl"].result_list] == ["C20000"]
    blocked = staff_client.get(url, {"blocked__exact": "1"}).context["cl"].result_list
    assert [c.no for c in blocked] == ["C20000"]


def test_customer_changelist_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    for _ in range(30):
        CustomerFactory(location=LocationFactory())
    # session, user, 2 counts, the page of customers joined to their locations.
    with django_assert_max_num_queries(5):
        response = staff_client.get(admin_url(Customer, "changelist"))
    assert len(response.context["cl"].result_list) == 30
