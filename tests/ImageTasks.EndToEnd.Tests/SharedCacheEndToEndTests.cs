using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>
/// Two CI runners sharing the layer cache through the test bed's htpasswd registry: the main engine (A) builds the
/// Greeting sample (apt + pip + a command + app) with ImageCacheFrom and ImageCacheTo; the second engine (B, a store of
/// its own) builds a copy whose app changed with ImageCacheFrom only. Credentials come from ImageTasks' variables.
/// </summary>
[TestClass]
public sealed class SharedCacheEndToEndTests
{
    static string Password => File.ReadAllText(TestBed.Get("IMAGETASKS_AUTH_PASSWORD_FILE")).Trim();
    static string User => TestBed.Get("IMAGETASKS_AUTH_USER");

    static Sample Greeting(string testName)
    {
        var sample = Consumer.Copy("Greeting", testName);
        sample.Edit("Greeting.csproj", text => text.Replace("<AptPackage Include=\"jq\" />",
            "<AptPackage Include=\"jq\" />\n    <ImageCommand Include=\"echo shared-cache &gt; /etc/shared-cache\" />"));
        return sample;
    }

    static string[] DiffIds(string host, string image) => TestBed.Docker("-H", host, "image", "inspect", "-f", "{{range .RootFS.Layers}}{{.}} {{end}}", image)
        .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    static HttpClient Registry()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        return http;
    }

    [TestMethod]
    [Timeout(1_200_000)]
    public async Task Engine_B_pulls_every_layer_but_the_changed_app_from_the_cache_engine_A_wrote()
    {
        var engine2 = TestBed.Engine2Host;
        var (code, _, stderr) = TestBed.Run("bash", [Path.Combine(TestBed.RepoRoot, "tests", "testbed", "testbed.sh"), "engine2"],
            environment: new Dictionary<string, string?> { ["IMAGETASKS_TESTBED_DIR"] = Path.GetDirectoryName(Path.GetDirectoryName(TestBed.Engine2PidFile)) });
        Assert.AreEqual(0, code, stderr);
        var a = Greeting(nameof(Engine_B_pulls_every_layer_but_the_changed_app_from_the_cache_engine_A_wrote));
        var b = Greeting(nameof(Engine_B_pulls_every_layer_but_the_changed_app_from_the_cache_engine_A_wrote) + "-b");
        b.Edit("Program.cs", text => text.Replace("Console.WriteLine(\"python: \"", "Console.WriteLine(\"engine B\");\nConsole.WriteLine(\"python: \""));
        var shared = $"{TestBed.AuthRegistry}/imagetasks-e2e/cache-{Consumer.RunId}";
        var localB = $"imagetasks-e2e-cache-b-{Consumer.RunId}";
        var credentials = new Dictionary<string, string> { ["IMAGETASKS_REGISTRY_USER"] = User, ["IMAGETASKS_REGISTRY_PASSWORD"] = Password };
        var (binlogA, binlogB) = (Path.Combine(a.Directory, "a.binlog"), Path.Combine(b.Directory, "b.binlog"));
        List<string> keys = [];
        try
        {
            var built = a.Run("build", [.. a.TestBedProperties(), $"-p:ImageCacheFrom={shared}", $"-p:ImageCacheTo={shared}", "-bl:" + binlogA], docker: true, credentials);
            Assert.AreEqual(0, built.ExitCode, built.ToString());
            var reportA = a.Report();
            keys = reportA.Layers.Select(l => l.Key).ToList();
            StringAssert.Contains(built.Output, $"Cache: pushed {reportA.Layers.Count} layer(s) to {shared}", built.ToString());

            var pulled = b.Run("build", [.. b.TestBedProperties(), $"-p:ImageCacheRepository={localB}", $"-p:ImageCacheFrom={shared}", "-bl:" + binlogB], docker: true,
                new Dictionary<string, string>(credentials) { ["DOCKER_HOST"] = engine2 });
            Assert.AreEqual(0, pulled.ExitCode, pulled.ToString());
            var reportB = b.Report();
            CollectionAssert.AreEqual(new[] { "apt", "command", "pip", "runtime", "app", "config" }.Order().ToArray(), reportB.Layers.Select(l => l.Kind).Order().ToArray(), pulled.ToString());
            foreach (var layer in reportB.Layers)
                Assert.AreEqual(layer.Kind is "app" or "config" ? "built" : "pulled from cache", layer.Source, $"{layer.Kind}: {pulled}");
            var unchanged = reportB.Layers.Count(l => l.Source == "pulled from cache");
            StringAssert.Contains(pulled.Output, "pulled from cache");

            // the same layers (diff ids) under B's image, and B's image runs
            var lastPulled = reportB.Layers.Last(l => l.Source == "pulled from cache").Key;
            var aLayers = DiffIds(TestBed.DockerHost, $"{Consumer.CacheRepository}:{lastPulled}");
            var bLayers = DiffIds(engine2, b.Image);
            CollectionAssert.AreEqual(aLayers, bLayers.Take(aLayers.Length).ToArray());
            var (runCode, output, runError) = TestBed.Run("docker", ["-H", engine2, "run", "--rm", b.Image]);
            Assert.AreEqual(0, runCode, runError);
            StringAssert.Contains(output, "engine B");
            StringAssert.Contains(output, "\"answer\":42");
            Assert.AreEqual("shared-cache", TestBed.Docker("-H", engine2, "run", "--rm", "--entrypoint", "cat", b.Image, "/etc/shared-cache").Trim());

            // read-only: B pushed nothing; the password is in no output nor binlog
            using var http = Registry();
            var image = shared[(TestBed.AuthRegistry.Length + 1)..];
            foreach (var layer in reportB.Layers.Where(l => l.Source == "built"))
                Assert.AreEqual(HttpStatusCode.NotFound, (await http.GetAsync($"http://{TestBed.AuthRegistry}/v2/{image}/manifests/{layer.Key}")).StatusCode);
            foreach (var (build, binlog) in new[] { (built, binlogA), (pulled, binlogB) })
            {
                Assert.IsFalse(build.Output.Contains(Password, StringComparison.Ordinal), "the password is not in the build output");
                Assert.AreEqual(-1, RegistryTests.BinlogBytes(binlog).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Password)), "the password is not in the binlog");
            }
            Assert.IsTrue(unchanged >= 3);
        }
        finally
        {
            foreach (var reference in TestBed.Docker("-H", engine2, "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=" + localB)
                         .Split('\n', StringSplitOptions.RemoveEmptyEntries).Append(b.Image))
                TestBed.Run("docker", ["-H", engine2, "image", "rm", reference]);
            Docker.RemoveImage(a.Image);
            var repository = shared[(TestBed.AuthRegistry.Length + 1)..];
            using var http = Registry();
            foreach (var key in keys)
            {
                using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"http://{TestBed.AuthRegistry}/v2/{repository}/manifests/{key}"));
                if (head.Headers.TryGetValues("Docker-Content-Digest", out var digest))
                    (await http.DeleteAsync($"http://{TestBed.AuthRegistry}/v2/{repository}/manifests/{digest.First()}")).Dispose();
            }
        }
    }
}
