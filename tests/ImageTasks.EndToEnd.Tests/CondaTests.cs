using System.Text;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>The Conda sample through the package, on the test bed's micromamba STAND-IN (not micromamba): the items and
/// properties reach the steps, a channel token from the variable reaches no output, binlog, project file or image.</summary>
[TestClass]
public sealed class CondaTests
{
    [TestMethod]
    [Timeout(900_000)]
    public void Conda_items_install_through_the_package_and_the_channel_token_stays_out_of_the_binlog()
    {
        var sample = Consumer.Copy("Conda", nameof(Conda_items_install_through_the_package_and_the_channel_token_stays_out_of_the_binlog));
        var token = "tok" + Guid.NewGuid().ToString("N");
        var binlog = Path.Combine(sample.Directory, "conda.binlog");
        var channels = new Dictionary<string, string> { ["IMAGETASKS_CONDA_CHANNELS"] = $"https://conda.example.com/t/{token}/private;conda-forge" };
        string[] Arguments() => [.. sample.TestBedProperties(), "-p:ContainerBaseImage=" + TestBed.MicromambaBase, "-bl:" + binlog];
        try
        {
            var build = sample.Run("build", Arguments(), docker: true, channels);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(Docker.RunImage(sample.Image), "conda: numpy-1.26.0-0.json scipy-1.11-0.json xz-0-0.json");
            var conda = sample.Report().Layers.Where(l => l.Kind == "conda").ToList();
            Assert.AreEqual(2, conda.Count, "the packages, then the spec file");
            Assert.IsFalse(build.Output.Contains(token, StringComparison.Ordinal), "not in the build output");
            Assert.AreEqual(-1, RegistryTests.BinlogBytes(binlog).AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)), "not in the binlog");
            Assert.IsFalse(Directory.EnumerateFiles(sample.Directory, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".binlog", StringComparison.Ordinal))
                .Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)) >= 0), "no file of the project holds it");
            Assert.IsFalse(TestBed.Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", sample.Image).Contains(token, StringComparison.Ordinal), "not in the history");

            // the package set in another order, and a new token: the same layers
            sample.Edit("Conda.csproj", text => text.Replace("""
                    <CondaPackage Include="numpy" Version="1.26.*" />
                    <CondaPackage Include="xz" Channel="conda-forge" />
                """, """
                    <CondaPackage Include="xz" Channel="conda-forge" />
                    <CondaPackage Include="numpy" Version="1.26.*" />
                """, StringComparison.Ordinal));
            var project = File.ReadAllText(sample.ProjectFile);
            Assert.IsTrue(project.IndexOf("\"xz\"", StringComparison.Ordinal) < project.IndexOf("\"numpy\"", StringComparison.Ordinal), "reordered");
            channels["IMAGETASKS_CONDA_CHANNELS"] = "https://conda.example.com/t/another-token/private;conda-forge";
            build = sample.Run("build", Arguments(), docker: true, channels);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            Assert.IsTrue(sample.Report().Layers.Where(l => l.Kind == "conda").All(l => l.Cached), "reordered packages and a new token rebuild nothing");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }
}
