"""moto's S3 as a WSGI application, for gunicorn: HTTPS with keep-alive on
127.0.0.1, which pgBackRest needs (moto's development server closes every
connection, which pgBackRest's TLS client reports as an unexpected EOF)."""

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

app = DomainDispatcherApplication(create_backend_app)
