using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>
/// The Greeting sample (apt + pip + app) built with the packed package on the test bed's Podman, chosen as a user
/// would: <c>-p:LocalRegistry=podman</c> with Podman's <c>CONTAINER_HOST</c>, while <c>DOCKER_HOST</c> still names the
/// test bed's Docker engine. The image lands in Podman's store only, and runs there.
/// </summary>
[TestClass]
public sealed class PodmanEndToEndTests
{
    /// <summary>The test bed's Podman socket: inconclusive when it does not answer on a developer machine, a failure with CI=true.</summary>
    static string Podman
    {
        get
        {
            var host = TestBed.Get("IMAGETASKS_TESTBED_PODMAN_HOST");
            var (code, _, error) = TestBed.Run("docker", ["-H", host, "version", "--format", "{{.Server.Version}}"]);
            if (code == 0) return host;
            var message = $"The test bed's Podman does not answer at {host} (bash tests/testbed/testbed.sh podman starts it): {error.Trim()}";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
            Assert.Inconclusive(message);
            return host;
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void LocalRegistry_podman_builds_the_sample_on_Podman_and_the_image_runs_there()
    {
        var podman = Podman;
        var sample = Consumer.Copy("Greeting", nameof(LocalRegistry_podman_builds_the_sample_on_Podman_and_the_image_runs_there));
        try
        {
            var built = sample.Run("build", [.. sample.TestBedProperties(), "-p:LocalRegistry=podman"], docker: true,
                new Dictionary<string, string> { ["CONTAINER_HOST"] = podman });
            Assert.AreEqual(0, built.ExitCode, built.ToString());
            Assert.IsTrue(sample.Report().Layers.All(l => l.Source == "built"), built.ToString());

            var (code, output, error) = TestBed.Run("docker", ["-H", podman, "run", "--rm", sample.Image]);
            Assert.AreEqual(0, code, error);
            StringAssert.Contains(output, "\"answer\":42");
            StringAssert.Contains(output, "python: ");
            Assert.IsFalse(Docker.ImageExists(sample.Image), "built on Podman, not on the Docker engine DOCKER_HOST names");
        }
        finally
        {
            var images = TestBed.Run("docker", ["-H", podman, "images", "--format", "{{.Repository}}:{{.Tag}}"]).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(i => i.Contains(Consumer.CacheRepository, StringComparison.Ordinal) || i.Contains(sample.Repository, StringComparison.Ordinal));
            foreach (var image in images) TestBed.Run("docker", ["-H", podman, "image", "rm", "-f", image]);
        }
    }
}
