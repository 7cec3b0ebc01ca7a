"""The wholesale REST API at /api/v1/ (Django REST framework, described by drf-spectacular).

Thin views over `shop.wholesale.services`, `selectors`, `callbacks` and `pdf`, and over the
configurator's services for designs. Every answer that is not a success has one JSON shape
(`errors`); every request needs a client's API key (`authentication`), is throttled per key
(`throttling`) and has a bounded body (`base.ApiView`).
"""
