from django.urls import path

from sandbox_gateway import views

app_name = "sandbox_gateway"

urlpatterns = [
    path("", views.index, name="index"),
    path("pay/", views.checkout_entry, name="checkout_entry"),
    path("pay/<str:token>/", views.checkout, name="checkout"),
    path("pay/<str:token>/3ds/<str:attempt_id>/", views.challenge, name="challenge"),
    path("api/refunds", views.refunds, name="refunds"),
]
