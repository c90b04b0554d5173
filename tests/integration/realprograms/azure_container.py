"""Creates a blob container on an Azure Storage endpoint (Azurite in the
tests), signed with the account's shared key: pgBackRest does not create
the container of its repository. Standard library only.

    azure_container.py <https://host:port> <account> <container>

The key comes from AZURE_KEY; the CA bundle from SSL_CERT_FILE.
"""

import base64
import hashlib
import hmac
import http.client
import os
import ssl
import sys
import urllib.parse
from email.utils import formatdate

VERSION = "2019-12-12"


def main() -> int:
    endpoint, account, container = sys.argv[1:4]
    key = base64.b64decode(os.environ["AZURE_KEY"])
    url = urllib.parse.urlsplit(endpoint)
    date = formatdate(usegmt=True)
    # Shared Key: the verb, eleven empty standard headers (a zero length is
    # empty since 2015-02-21), the x-ms headers and the resource.
    signed = "\n".join(
        ["PUT"]
        + [""] * 11
        + [
            f"x-ms-date:{date}",
            f"x-ms-version:{VERSION}",
            f"/{account}/{account}/{container}\nrestype:container",
        ]
    )
    signature = base64.b64encode(
        hmac.new(key, signed.encode(), hashlib.sha256).digest()
    ).decode()
    context = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)
    connection.request(
        "PUT",
        f"/{account}/{container}?restype=container",
        headers={
            "x-ms-date": date,
            "x-ms-version": VERSION,
            "Authorization": f"SharedKey {account}:{signature}",
            "Content-Length": "0",
        },
    )
    response = connection.getresponse()
    body = response.read().decode(errors="replace")
    if response.status != 201:
        print(f"{container}: HTTP {response.status}: {body}", file=sys.stderr)
        return 1
    print(f"{container}: created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
