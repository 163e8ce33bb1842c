from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from absher.catalog import selectors


def home(request: HttpRequest) -> HttpResponse:
    departments = selectors.departments_with_services()
    return render(request, "portal/home.html", {"departments": departments})
