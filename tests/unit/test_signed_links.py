"""The signed links' web handler answers 404, never 500, for what no link of ours looks like."""

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.web.server import WebServer
from bot.channels.web.signed import PATH, SignedFiles, Signer


@pytest.fixture
async def client() -> AsyncIterator[tuple[TestClient[object, object], str]]:
    files = SignedFiles("https://bot.example.vn")
    url = files.put(b"\x89PNG data", "bản tin.png", "image/png")
    web = WebServer(secret="s" * 32, files=files)
    async with TestClient(TestServer(web.application())) as test_client:
        yield test_client, url.removeprefix("https://bot.example.vn")


async def test_a_good_link_serves_the_file(client: tuple[TestClient[object, object], str]) -> None:
    test_client, path = client
    response = await test_client.get(path)
    assert response.status == 200
    assert await response.read() == b"\x89PNG data"


MALFORMED = [
    ("{exp}", "not-hex-at-all-not-hex-at-all-xx"),
    ("{exp}", "€€"),  # a signature that is not ASCII
    ("9" * 5000, "{sig}"),  # more digits than int() reads
    ("١٢٣", "{sig}"),  # digits of another script
    ("", ""),
]


@pytest.mark.parametrize(("expires", "signature"), MALFORMED)
def test_the_signer_of_every_link_refuses_what_it_never_wrote(expires: str, signature: str) -> None:
    # The upload page of /import on Zalo and the kept photos check their links with it.
    signer = Signer()
    good_expires = signer.now() + 3600
    good = signer.sign("upload:7", good_expires)
    assert signer.valid("upload:7", str(good_expires), good)
    given = expires.format(exp=good_expires), signature.format(sig=good)
    assert not signer.valid("upload:7", *given)


@pytest.mark.parametrize(
    "query",
    [
        "exp={exp}&sig=not-hex-at-all-not-hex-at-all-xx",
        "exp={exp}&sig=%E2%82%AC%E2%82%AC",  # a signature that is not ASCII
        "exp=" + "9" * 5000 + "&sig={sig}",  # more digits than int() reads
        "exp=١٢٣&sig={sig}",  # digits of another script
        "exp=&sig=",
        "",
    ],
)
async def test_links_that_are_not_ours_get_404(
    client: tuple[TestClient[object, object], str], query: str
) -> None:
    test_client, path = client
    base, _, good = path.partition("?")
    exp, sig = good.removeprefix("exp=").split("&sig=")
    response = await test_client.get(f"{base}?{query.format(exp=exp, sig=sig)}")
    assert response.status == 404
    assert PATH in base
