using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageTasks.Backend;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>The engine's HTTP API spoken without the client library: answers parsed without an engine, a request's
/// bytes against an engine played by a socket this test listens on, and the engine's JSON read into the backend's
/// records. The real engine answers the same requests throughout the backend's tests (DockerBackendTests).</summary>
[TestClass]
public sealed class EngineHttpTests
{
    static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [TestMethod]
    public void An_answer_is_read_by_its_length_by_its_chunks_or_to_its_end()
    {
        var sized = EngineHttp.Parse(Bytes("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nServer: Docker\r\n\r\nhello and what follows"));
        Assert.AreEqual(HttpStatusCode.Created, sized.Status);
        Assert.AreEqual("hello", sized.Text);

        var chunked = EngineHttp.Parse(Bytes("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n4\r\n{\"a\"\r\nD;ext=1\r\n:1}\n{\"b\":22}\n\r\n0\r\n\r\n"));
        Assert.AreEqual("{\"a\":1}\n{\"b\":22}\n", chunked.Text);

        var toEnd = EngineHttp.Parse(Bytes("HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"message\":\"No such image: x:1\"}"));
        Assert.AreEqual(HttpStatusCode.NotFound, toEnd.Status);
        Assert.IsFalse(toEnd.IsSuccess);
        Assert.AreEqual("{\"message\":\"No such image: x:1\"}", toEnd.Text);
    }

    [TestMethod]
    public void A_cut_or_foreign_answer_is_an_IO_failure_as_a_broken_connection_is()
    {
        Assert.ThrowsExactly<IOException>(() => EngineHttp.Parse(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")), "no end of headers");
        Assert.ThrowsExactly<IOException>(() => EngineHttp.Parse(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort")), "shorter than its length");
        Assert.ThrowsExactly<IOException>(() => EngineHttp.Parse(Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort")), "a cut chunk");
        Assert.ThrowsExactly<IOException>(() => EngineHttp.Parse(Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")), "a chunk size that is not hex");
        Assert.ThrowsExactly<IOException>(() => EngineHttp.Parse(Bytes("SSH-2.0-OpenSSH_9.2\r\n\r\n")), "not HTTP");
    }

    [TestMethod]
    public async Task A_body_is_sent_in_chunks_on_a_connection_of_its_own_and_an_error_status_is_returned_as_it_is()
    {
        using var engine = new OneAnswerEngine();
        var payload = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();
        // the request ends with the last chunk
        var received = engine.AnswerAsync(Bytes("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 16\r\n\r\n{\"message\":\"no\"}"),
            request => request.AsSpan().EndsWith("\r\n0\r\n\r\n"u8));

        var answer = await new EngineHttp(engine.Endpoint)
            .SendAsync("POST", "/images/load?quiet=1", (stream, ct) => stream.WriteAsync(payload, ct).AsTask(), CancellationToken.None);

        Assert.AreEqual(HttpStatusCode.InternalServerError, answer.Status);
        Assert.AreEqual("{\"message\":\"no\"}", answer.Text);
        var request = await received;
        var headerEnd = request.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var head = Encoding.ASCII.GetString(request, 0, headerEnd);
        StringAssert.StartsWith(head, "POST /images/load?quiet=1 HTTP/1.1\r\n");
        StringAssert.Contains(head, "\r\nConnection: close\r\n");
        StringAssert.Contains(head, "\r\nTransfer-Encoding: chunked\r\n");
        // the body, de-chunked with the same reader an answer goes through, is the payload
        var body = EngineHttp.Parse([.. Bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), .. request.AsSpan(headerEnd)]).Body;
        CollectionAssert.AreEqual(payload, body);
    }

    [TestMethod]
    public void A_request_no_engine_answers_fails_as_a_connection_does()
    {
        using var folder = new TempFolder();
        var http = new EngineHttp(new EngineEndpoint(new Uri("unix://" + Path.Combine(folder.Path, "none.sock")), "test"));
        Assert.ThrowsAsync<SocketException>(() => http.SendAsync("GET", "/_ping", null, CancellationToken.None)).GetAwaiter().GetResult();
    }

    [TestMethod]
    public void Names_and_filters_are_escaped_for_the_engine()
    {
        Assert.AreEqual("localhost%3A5000/team/app%3A1.0", EngineHttp.Escape("localhost:5000/team/app:1.0"));
        Assert.AreEqual("app%20x/b%3Fc", EngineHttp.Escape("app x/b?c"));
        Assert.AreEqual("filters=" + Uri.EscapeDataString("{\"name\":{\"imagetasks-build-\":true}}"), EngineHttp.Filter("name", "imagetasks-build-"));
    }

    [TestMethod]
    public void An_inspect_is_read_with_its_configuration_layers_times_and_healthcheck()
    {
        var image = EngineJson.Image(Bytes("""
            {"Id":"sha256:abc","RepoTags":["app:1","docker.io/library/b:2"],"Created":"2024-05-06T07:08:09.123456789Z","Size":1234,
             "Os":"linux","Architecture":"arm64","Variant":"v8","Comment":"",
             "Config":{"Env":["A=1"],"WorkingDir":"/app","User":"","Entrypoint":null,"Cmd":["run"],"Labels":null,
                       "ExposedPorts":{"8080/tcp":{},"443/tcp":{}},"StopSignal":"SIGTERM",
                       "Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Retries":3},"OnBuild":null},
             "RootFS":{"Type":"layers","Layers":["sha256:1","sha256:2"]}}
            """));
        Assert.AreEqual("sha256:abc", image.Id);
        CollectionAssert.AreEqual(new[] { "app:1", "docker.io/library/b:2" }, image.RepoTags.ToArray());
        Assert.AreEqual(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567), image.Created);
        Assert.AreEqual((1234L, "linux", "arm64", "v8"), (image.Size, image.Os, image.Architecture, image.Variant));
        Assert.IsNull(image.Comment);
        CollectionAssert.AreEqual(new[] { "sha256:1", "sha256:2" }, image.Layers.ToArray());
        var c = image.Config;
        Assert.AreEqual(("/app", (string?)null, "SIGTERM"), (c.WorkingDir, c.User, c.StopSignal));
        Assert.IsNull(c.Entrypoint);
        CollectionAssert.AreEqual(new[] { "run" }, c.Cmd!.ToArray());
        Assert.AreEqual(0, c.Labels.Count);
        CollectionAssert.AreEqual(new[] { "443/tcp", "8080/tcp" }, c.ExposedPorts.ToArray());
        Assert.AreEqual(TimeSpan.FromSeconds(30), c.Healthcheck!.Interval);
        Assert.IsNull(c.Healthcheck.Timeout);
        Assert.AreEqual(3, c.Healthcheck.Retries);
    }

    [TestMethod]
    public void A_message_stream_reports_its_first_error()
    {
        Assert.IsNull(EngineJson.StreamError(Bytes("{\"stream\":\"Loaded image ID: sha256:abc\\n\"}\n")));
        Assert.AreEqual("layer missing", EngineJson.StreamError(Bytes("{\"stream\":\"x\"}\n{\"errorDetail\":{\"message\":\"layer missing\"},\"error\":\"layer missing\"}\n")));
        Assert.AreEqual("not json", EngineJson.StreamError(Bytes("not json\n")));
    }

    [TestMethod]
    public void A_message_streams_text_is_its_messages_stream_fields_joined()
    {
        // a load of two untagged images, as Docker 20.10 answers it (the load takes them as confirmed from this text)
        var text = EngineJson.StreamText(Bytes("{\"stream\":\"Loaded image ID: sha256:abc\\n\"}\r\n{\"stream\":\"Loaded image ID: sha256:def\\n\"}\r\n"));
        Assert.AreEqual("Loaded image ID: sha256:abc\nLoaded image ID: sha256:def\n", text);
        Assert.AreEqual("", EngineJson.StreamText(Bytes("{\"status\":\"Loading layer\"}\nnot json\n")));
    }

    [TestMethod]
    public void Lists_of_containers_volumes_and_history_are_read()
    {
        var containers = EngineJson.Containers(Bytes("""[{"Id":"c1","Names":["/imagetasks-build-x"],"State":"exited","Created":1700000000,"Mounts":[{"Name":"v1"},{"Type":"bind"}]}]"""));
        Assert.AreEqual(("c1", "exited", DateTimeOffset.FromUnixTimeSeconds(1700000000)), (containers[0].Id, containers[0].State, containers[0].Created));
        CollectionAssert.AreEqual(new[] { "v1" }, containers[0].VolumeNames.ToArray());
        var volumes = EngineJson.Volumes(Bytes("""{"Volumes":[{"Name":"imagetasks-secrets-a","CreatedAt":"2024-01-01T00:00:00Z"}],"Warnings":null}"""));
        Assert.AreEqual("imagetasks-secrets-a", volumes.Single().Name);
        Assert.AreEqual(0, EngineJson.Volumes(Bytes("""{"Volumes":null}""")).Count);
        var history = EngineJson.History(Bytes("""[{"Id":"sha256:a","Created":1700000000,"CreatedBy":"copy","Size":5,"Comment":"k"},{"Id":"<missing>","Created":1600000000,"Size":0,"Comment":""}]"""));
        Assert.AreEqual(("copy", 5L, "k"), (history[0].CreatedBy, history[0].Size, history[0].Comment));
        Assert.AreEqual(("", 0L, (string?)null), (history[1].CreatedBy, history[1].Size, history[1].Comment));
    }
}
