from django.http import HttpRequest, HttpResponse


def item_journal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("todo")


def ledger_entries(request: HttpRequest) -> HttpResponse:
    return HttpResponse("todo")
