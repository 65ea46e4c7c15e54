using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>ContainerRegistry with credentials from the .NET SDK's CI variables, against the test bed's htpasswd registry.</summary>
[TestClass]
public sealed class RegistryTests
{
    static string Password => File.ReadAllText(TestBed.Get("IMAGETASKS_AUTH_PASSWORD_FILE")).Trim();
    static string User => TestBed.Get("IMAGETASKS_AUTH_USER");

    /// <summary>ImageTasks' own variables: MSBuild writes DOTNET_* ones (the .NET SDK's names) into binlogs.</summary>
    static Dictionary<string, string> Credentials(string password) => new()
    {
        ["IMAGETASKS_REGISTRY_USER"] = User,
        ["IMAGETASKS_REGISTRY_PASSWORD"] = password,
    };

    /// <summary>The binary log's records, decompressed: what anyone opening the binlog could read.</summary>
    internal static byte[] BinlogBytes(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    static void AssertNowhere(string secret, BuildOutput build, string binlog)
    {
        Assert.IsFalse(build.Output.Contains(secret, StringComparison.Ordinal), "the password is not in the build output");
        Assert.AreEqual(-1, BinlogBytes(binlog).AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)), "the password is not in the binlog");
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{secret}"));
        Assert.IsFalse(build.Output.Contains(base64, StringComparison.Ordinal), "nor its base64 form");
    }

    [TestMethod]
    [Timeout(900_000)]
    public async Task Pushes_to_container_registry_with_credentials_that_reach_no_log_nor_binlog()
    {
        var sample = Consumer.Copy("DataFile", nameof(Pushes_to_container_registry_with_credentials_that_reach_no_log_nor_binlog));
        var binlog = Path.Combine(sample.Directory, "push.binlog");
        var registry = TestBed.AuthRegistry;
        try
        {
            var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ContainerRegistry=" + registry, "-p:ContainerImageTags=v1%3Bv2", "-bl:" + binlog,
                    "-p:ContainerGenerateSbom=true"], docker: true, Credentials(Password));
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(build.Output, "layers pushed", build.ToString());
            AssertNowhere(Password, build, binlog);

            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
            foreach (var tag in new[] { "v1", "v2" })
            {
                var manifest = await http.GetAsync($"http://{registry.Replace("localhost", "127.0.0.1")}/v2/{sample.Repository}/manifests/{tag}");
                Assert.AreEqual(System.Net.HttpStatusCode.OK, manifest.StatusCode, $"{sample.Repository}:{tag} is in the registry");
            }

            // the bill of materials went with the image, as its referrer, with the same credentials
            var pushed = (await http.GetAsync($"http://{registry.Replace("localhost", "127.0.0.1")}/v2/{sample.Repository}/manifests/v1")).Headers.GetValues("Docker-Content-Digest").Single();
            using var referrers = new HttpRequestMessage(HttpMethod.Get, $"http://{registry.Replace("localhost", "127.0.0.1")}/v2/{sample.Repository}/manifests/{pushed.Replace(':', '-')}");
            referrers.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.index.v1+json"));
            var listed = await http.SendAsync(referrers);
            Assert.AreEqual(System.Net.HttpStatusCode.OK, listed.StatusCode, build.ToString());
            StringAssert.Contains(await listed.Content.ReadAsStringAsync(), "application/vnd.cyclonedx+json");
            StringAssert.Contains(build.Output, "Pushed the bill of materials of", build.ToString());
        }
        finally
        {
            foreach (var tag in new[] { "v1", "v2" }) Docker.RemoveImage($"{registry}/{sample.Repository}:{tag}");
        }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_wrong_password_is_IMG4201_and_shows_nowhere()
    {
        var sample = Consumer.Copy("DataFile", nameof(A_wrong_password_is_IMG4201_and_shows_nowhere));
        var binlog = Path.Combine(sample.Directory, "denied.binlog");
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        try
        {
            var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ContainerRegistry=" + TestBed.AuthRegistry, "-bl:" + binlog],
                docker: true, Credentials(wrong));
            Assert.AreNotEqual(0, build.ExitCode, build.ToString());
            StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"error IMG4201: .*" + System.Text.RegularExpressions.Regex.Escape(TestBed.AuthRegistry)), build.ToString());
            AssertNowhere(wrong, build, binlog);
        }
        finally { Docker.RemoveImage($"{TestBed.AuthRegistry}/{sample.Repository}:latest"); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void The_sdks_variables_work_and_warn_that_MS_build_logs_them()
    {
        var sample = Consumer.Copy("DataFile", nameof(The_sdks_variables_work_and_warn_that_MS_build_logs_them));
        try
        {
            var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ContainerRegistry=" + TestBed.AuthRegistry], docker: true,
                new Dictionary<string, string> { ["DOTNET_CONTAINER_REGISTRY_UNAME"] = User, ["DOTNET_CONTAINER_REGISTRY_PWORD"] = Password });
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(build.Output, "layers pushed", "the .NET SDK's names are read");
            StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"warning IMG5010: .*DOTNET_CONTAINER_REGISTRY_PWORD.*IMAGETASKS_REGISTRY_PASSWORD"), build.ToString());
            Assert.IsFalse(build.Output.Contains(Password, StringComparison.Ordinal));
        }
        finally { Docker.RemoveImage($"{TestBed.AuthRegistry}/{sample.Repository}:latest"); }
    }
}
