from django.urls import path

from . import render_views, views

app_name = "configurator"

urlpatterns = [
    path("api/artworks/", views.artwork_upload, name="artwork-upload"),
    path("api/preview/", views.preview, name="preview"),
    path("api/designs/", views.design_create, name="design-create"),
    path("api/designs/<str:token>/model.glb", views.design_glb, name="design-glb"),
    path("renders/<str:key>.webp", render_views.template_render, name="template-render"),
]
