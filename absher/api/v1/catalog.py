from django.http import HttpRequest
from ninja import Router, Schema

from absher.catalog import selectors

router = Router(tags=["catalogue"])


class ServiceOut(Schema):
    code: str
    name_ar: str
    name_en: str
    fee_halalas: int
    fee_depends_on_case: bool
    requires_activation: bool
    eligibility: str


class DepartmentOut(Schema):
    code: str
    name_ar: str
    name_en: str
    services: list[ServiceOut]


class DepartmentList(Schema):
    items: list[DepartmentOut]


@router.get("", response=DepartmentList, auth=None, summary="Departments and their e-services")
def departments_list(request: HttpRequest) -> dict:
    departments = selectors.departments_with_services()
    return {
        "items": [
            {
                "code": department.code,
                "name_ar": department.name_ar,
                "name_en": department.name_en,
                "services": list(department.services.all()),
            }
            for department in departments
        ]
    }
