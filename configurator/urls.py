from django.urls import path

from . import editor, render_views, views

app_name = "configurator"

urlpatterns = [
    path("api/artworks/", editor.artworks, name="artwork-upload"),
    path("api/preview/", views.preview, name="preview"),
    path("api/designs/", views.design_create, name="design-create"),
    path("api/designs/<str:token>/model.glb", views.design_glb, name="design-glb"),
    path("renders/<str:key>.webp", render_views.template_render, name="template-render"),
    # The editor's pages and API (configurator/editor.py). "api/..." and "s/..." have two or
    # more segments, the editor's "<slug:slug>/" one, so no product shadows them.
    path("api/artworks/<str:public_id>/image", editor.artwork_image, name="artwork-image"),
    path(
        "api/designs/<str:token>/preview.webp",
        editor.design_preview_image,
        name="design-preview-image",
    ),
    path("s/<str:token>/", editor.shared_page, name="shared"),
    path("s/<str:token>/copy/", editor.shared_copy, name="shared-copy"),
    path("<slug:slug>/", editor.editor_page, name="editor"),
]
