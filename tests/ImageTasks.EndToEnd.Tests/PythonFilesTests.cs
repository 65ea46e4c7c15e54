using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>The PythonFiles sample: PipRequirements with includes, PipProject with a group, a marker, through the package.</summary>
[TestClass]
public sealed class PythonFilesTests
{
    [TestMethod]
    [Timeout(900_000)]
    public void Requirements_and_pyproject_install_and_only_a_changed_include_rebuilds_the_layer()
    {
        var sample = Consumer.Copy("PythonFiles", nameof(Requirements_and_pyproject_install_and_only_a_changed_include_rebuilds_the_layer));
        try
        {
            var build = sample.Build("-p:ImagePipExtraOptions=--trusted-host=127.0.0.1");
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(Docker.RunImage(sample.Image), "python: imgt-colors=1.0.0 imgt-greeting=1.0.0", "constraint held, group installed, marker excluded nothing it should not");
            var first = sample.Report().Layers.Where(l => l.Kind == "pip").ToList();
            Assert.AreEqual(3, first.Count, "the marker's package, the requirements file, the pyproject");

            // an unrelated file of the requirements folder: nothing rebuilt (touching the top file makes the engine look)
            sample.Edit("requirements/notes.txt", text => text + "more\n");
            File.SetLastWriteTimeUtc(Path.Combine(sample.Directory, "requirements", "requirements.txt"), DateTime.UtcNow);
            build = sample.Build("-p:ImagePipExtraOptions=--trusted-host=127.0.0.1");
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            Assert.IsTrue(sample.Report().Layers.Where(l => l.Kind == "pip").All(l => l.Cached), "an unrelated change rebuilds no pip layer");

            // an included file only the engine knows of (-c constraints.txt): the targets see it and the layer is rebuilt
            sample.Edit("requirements/constraints.txt", _ => "imgt-colors==2.0.0\n");
            build = sample.Build("-p:ImagePipExtraOptions=--trusted-host=127.0.0.1");
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            var layers = sample.Report().Layers.Where(l => l.Kind == "pip").ToList();
            Assert.IsTrue(layers[0].Cached, "the layer below is kept");
            Assert.IsFalse(layers[1].Cached, "the requirements layer is rebuilt");
            Assert.AreNotEqual(first[1].Key, layers[1].Key);
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_bad_PipPackage_fails_with_its_code_and_runs_nothing()
    {
        var sample = Consumer.Copy("PythonFiles", nameof(A_bad_PipPackage_fails_with_its_code_and_runs_nothing));
        sample.Edit("PythonFiles.csproj", text => text.Replace("<PipPackage Include=\"imgt-greeting\"", "<PipPackage Include=\"imgt-greeting @ https://example.com/x.whl%3Breboot\" />\n    <PipPackage Include=\"imgt-other\"", StringComparison.Ordinal));
        var build = sample.Build();
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error IMG1001", build.ToString());
        StringAssert.Contains(build.Output, "https://example.com/x.whl;reboot", build.ToString());
        Assert.IsFalse(Docker.ImageExists(sample.Image), "nothing was built");
    }
}
