using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>The app as three layers (the .NET runtime, the NuGet packages, the app's own files), on the test bed's plain
/// Debian base, which has no .NET.</summary>
[TestClass]
public sealed class AppLayerTests
{
    private static string[] PlainBase(Sample sample) => [.. sample.TestBedProperties(), "-p:ContainerBaseImage=" + TestBed.BasePlain];

    private static Dictionary<string, bool> Cached(BuildReport report) => report.Layers.ToDictionary(l => l.Kind, l => l.Cached);

    [TestMethod]
    [Timeout(1_200_000)]
    public void A_code_edit_rebuilds_only_the_app_layer_and_a_package_version_rebuilds_from_the_dependencies()
    {
        var sample = Consumer.Copy("Layered", nameof(A_code_edit_rebuilds_only_the_app_layer_and_a_package_version_rebuilds_from_the_dependencies));
        try
        {
            var first = sample.Run("build", PlainBase(sample));
            Assert.AreEqual(0, first.ExitCode, first.ToString());
            var built = sample.Report();
            CollectionAssert.AreEqual(new[] { "runtime", "dependencies", "app", "config" }, built.Layers.Select(l => l.Kind).ToArray());
            StringAssert.Contains(Docker.RunImage(sample.Image), "layered: {\"message\":\"hello\",\"json\":\"13.0.0.0\"}", "the self-contained app runs on a base without .NET");

            // a code edit: the runtime and the packages are reused, only the app's own files are copied again
            sample.Edit("Program.cs", text => text.Replace("\"hello\"", "\"edited\""));
            var edited = sample.Run("build", PlainBase(sample));
            Assert.AreEqual(0, edited.ExitCode, edited.ToString());
            var afterEdit = sample.Report();
            var cached = Cached(afterEdit);
            Assert.IsTrue(cached["runtime"], "the runtime layer is reused:\n" + edited);
            Assert.IsTrue(cached["dependencies"], "the dependencies layer is reused:\n" + edited);
            Assert.IsFalse(cached["app"], "the app's own layer is rebuilt:\n" + edited);
            Assert.AreEqual(built.Layers[0].Key, afterEdit.Layers[0].Key);
            Assert.AreEqual(built.Layers[1].Key, afterEdit.Layers[1].Key);
            StringAssert.Contains(Docker.RunImage(sample.Image), "\"edited\"");

            // another version of the package: its layer and what is above it are rebuilt, the runtime is reused
            sample.Edit("Layered.csproj", text => text.Replace("Include=\"Newtonsoft.Json\" Version=\"13.0.1\"", "Include=\"Newtonsoft.Json\" Version=\"13.0.3\""));
            var upgraded = sample.Run("build", PlainBase(sample));
            Assert.AreEqual(0, upgraded.ExitCode, upgraded.ToString());
            var afterUpgrade = Cached(sample.Report());
            Assert.IsTrue(afterUpgrade["runtime"], "the runtime layer is reused:\n" + upgraded);
            Assert.IsFalse(afterUpgrade["dependencies"], "the dependencies layer is rebuilt:\n" + upgraded);
            Assert.IsFalse(afterUpgrade["app"], "the app above it is rebuilt (its deps.json names the version):\n" + upgraded);
            StringAssert.Contains(Docker.RunImage(sample.Image), "\"edited\"");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_framework_dependent_app_has_no_runtime_layer_and_runs_with_a_dot_net_from_the_host()
    {
        var sample = Consumer.Copy("Layered", nameof(A_framework_dependent_app_has_no_runtime_layer_and_runs_with_a_dot_net_from_the_host));
        try
        {
            var build = sample.Run("build", [.. PlainBase(sample), "-p:ImageSelfContained=false"]);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            CollectionAssert.AreEqual(new[] { "dependencies", "app", "config" }, sample.Report().Layers.Select(l => l.Kind).ToArray());

            // the test bed's bases have no .NET: the host's runtime is mounted where the apphost looks for it
            // (shared/Microsoft.NETCore.App/<version>/ holds this process's runtime: three folders up is the .NET root)
            var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
            var (code, stdout, stderr) = TestBed.Run("docker", ["run", "--rm", "-v", dotnetRoot + ":/usr/share/dotnet:ro", "-e", "DOTNET_ROOT=/usr/share/dotnet", sample.Image]);
            Assert.AreEqual(0, code, stdout + stderr);
            StringAssert.Contains(stdout, "layered: {\"message\":\"hello\"");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }
}
