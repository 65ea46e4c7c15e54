using System.Text;
using ImageTasks.Backend;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>The up-to-date check's one engine question, asked on a unix socket without the client library: against an
/// engine played by a socket this test listens on (what it was asked, what it answers).</summary>
[TestClass]
public sealed class LocalImageIdTests
{
    const string Id = "sha256:49d780f85de48e866fc7650a4cdb87ea5bf3a229e1b9cd3894a8d28b9ab2da84";

    static byte[] Response(string status, string body) => Encoding.UTF8.GetBytes($"HTTP/1.0 {status}\r\nContent-Type: application/json\r\n\r\n{body}");

    [TestMethod]
    public void The_top_level_Id_is_read_and_ids_nested_deeper_are_not()
    {
        var body = "{\"ContainerConfig\":{\"Id\":\"sha256:nested\",\"Labels\":{\"Id\":\"label\"}},\"RepoTags\":[\"app:latest\"],\"Id\":\"" + Id + "\",\"Size\":1}";
        Assert.AreEqual(Id, LocalImageId.IdOf(Response("200 OK", body)));
    }

    [TestMethod]
    public void Any_answer_but_200_with_an_Id_is_no_id()
    {
        Assert.IsNull(LocalImageId.IdOf(Response("404 Not Found", "{\"message\":\"No such image: app:latest\"}")));
        Assert.IsNull(LocalImageId.IdOf(Response("500 Internal Server Error", "{\"Id\":\"" + Id + "\"}")));
        Assert.IsNull(LocalImageId.IdOf(Response("200 OK", "{\"Id\":")), "a cut answer");
        Assert.IsNull(LocalImageId.IdOf(Encoding.UTF8.GetBytes("HTTP/1.0 200 OK\r\n")), "no body");
    }

    [TestMethod]
    public async Task The_question_is_one_GET_of_the_escaped_name_on_the_socket()
    {
        using var engine = new OneAnswerEngine();
        var asked = engine.AnswerAsync(Response("200 OK", "{\"Id\":\"" + Id + "\"}"), request => request.AsSpan().IndexOf("\r\n\r\n"u8) >= 0);
        var id = LocalImageId.OnUnixSocket(engine.Endpoint, "localhost:5000/team/app:1.0");
        Assert.AreEqual(Id, id);
        StringAssert.StartsWith(Encoding.ASCII.GetString(await asked), "GET /images/localhost%3A5000%2Fteam%2Fapp%3A1.0/json HTTP/1.0\r\n");
    }
}
