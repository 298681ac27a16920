def test_server_answers(server):
    import urllib.request, json
    with urllib.request.urlopen(server.http + "/get") as r:
        assert json.load(r)["method"] == "GET"
