using ImageTasks.Backend;
using ImageConfig = ImageTasks.Definition.ImageConfig;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>What the backend sends Podman and reads back from it, without an engine (PodmanTests runs it on one).</summary>
[TestClass]
public sealed class PodmanCommitTests
{
    [TestMethod]
    public void The_version_response_of_Podman_names_its_engine_component_and_Dockers_does_not()
    {
        static bool IsPodman(string json) => EngineJson.IsPodmanVersion(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.IsTrue(IsPodman("""{"Components":[{"Name":"Podman Engine","Version":"4.3.1"}]}"""));
        Assert.IsTrue(IsPodman("""{"Platform":{"Name":"Podman Engine"},"Components":null}"""));
        Assert.IsFalse(IsPodman("""{"Platform":{"Name":"Docker Engine - Community"},"Components":[{"Name":"Engine"},{"Name":"containerd"}]}"""));
        Assert.IsFalse(IsPodman("{}"));
    }

    [TestMethod]
    public void The_ping_tells_Podman_from_Docker_by_its_headers_and_a_ping_that_does_not_say_leaves_it_to_the_version()
    {
        static bool? IsPodman(string headers) => DockerBackend.IsPodmanPing(EngineHttp.Parse(
            System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n" + headers + "Content-Length: 2\r\n\r\nOK")));
        // the headers of Podman 4.3's and Docker 20.10's pings, as the test bed's engines send them
        Assert.AreEqual(true, IsPodman("Api-Version: 1.41\r\nDocker-Experimental: true\r\nLibpod-Api-Version: 4.3.1\r\nLibpod-Buildah-Version: 1.28.2\r\nServer: Libpod/4.3.1 (linux)\r\n"));
        Assert.AreEqual(true, IsPodman("server: libpod/5.0.0 (linux)\r\n"));
        Assert.AreEqual(false, IsPodman("Api-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"));
        Assert.IsNull(IsPodman("Api-Version: 1.41\r\n"));
        Assert.IsNull(IsPodman("Server: nginx\r\n"));
    }

    [TestMethod]
    public void Podmans_answer_for_a_process_that_exited_while_inspected_is_retried_and_other_refusals_are_not()
    {
        static global::Docker.DotNet.DockerApiException Answer(System.Net.HttpStatusCode status, string body) => new(status, body);
        // As CI saw it on Podman 4.3, when a step's logs were asked for in the moment its process exited
        Assert.IsTrue(DockerBackend.IsPodmanExitRace(Answer(System.Net.HttpStatusCode.InternalServerError,
            """{"cause":"no such process","message":"read /proc/28411/cgroup: no such process","response":500}""")));
        Assert.IsFalse(DockerBackend.IsPodmanExitRace(Answer(System.Net.HttpStatusCode.InternalServerError,
            """{"cause":"no such container","message":"no container with name or ID \"x\" found: no such container","response":500}""")));
        Assert.IsFalse(DockerBackend.IsPodmanExitRace(Answer(System.Net.HttpStatusCode.NotFound, "read /proc/1/cgroup: no such process")));
    }

    [TestMethod]
    public void Every_field_of_the_configuration_becomes_a_change_and_empty_ones_clear_what_the_container_had()
    {
        var changes = DockerBackend.PodmanChanges(new ImageConfig
        {
            Env = ["PATH=/usr/bin:/bin", "GREETING=a b $HOME \"q\"", "BARE"],
            Labels = new Dictionary<string, string> { ["org.example.kind"] = "podman test" },
            ExposedPorts = ["8080/tcp"],
            Volumes = ["/data"],
            User = "app",
            StopSignal = "SIGINT",
        });
        CollectionAssert.AreEqual(new[]
        {
            "ENV PATH=/usr/bin:/bin", "ENV GREETING=a b $HOME \"q\"", "ENV BARE=",
            "CMD []", "ENTRYPOINT []", "WORKDIR /", "USER app",
            "LABEL org.example.kind=podman test", "EXPOSE 8080/tcp", "VOLUME /data", "STOPSIGNAL SIGINT",
        }, changes.ToArray());
        CollectionAssert.Contains(DockerBackend.PodmanChanges(new ImageConfig { Cmd = ["python", "-c", "print('x')"], Entrypoint = ["/app/run"], WorkingDir = "/app" }),
            "CMD [\"python\",\"-c\",\"print(\\u0027x\\u0027)\"]");
    }

    [TestMethod]
    public void Tags_Podman_lists_under_docker_io_are_given_back_as_Docker_names_them()
    {
        Assert.AreEqual("imagetasks-cache:abc", DockerBackend.FamiliarTag("docker.io/library/imagetasks-cache:abc"));
        Assert.AreEqual("team/app:1", DockerBackend.FamiliarTag("docker.io/team/app:1"));
        Assert.AreEqual("localhost:5000/debian:bookworm-slim", DockerBackend.FamiliarTag("localhost:5000/debian:bookworm-slim"));
        Assert.AreEqual("localhost/app:1", DockerBackend.FamiliarTag("localhost/app:1"));
    }
}
