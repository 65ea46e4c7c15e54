using System.Text.Json;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>A wrapper entrypoint given by project items, and the report of a failed build, on the test bed.</summary>
[TestClass]
public sealed class AppCommandAndReportTests
{
    [TestMethod]
    [Timeout(900_000)]
    public void A_wrapper_entrypoint_from_items_runs_the_app_as_its_arguments()
    {
        var sample = Consumer.Copy("DataFile", nameof(A_wrapper_entrypoint_from_items_runs_the_app_as_its_arguments));
        File.WriteAllText(Path.Combine(sample.Directory, "wrap.sh"), "#!/bin/sh\necho \"wrapped: $1\"\nexec \"$@\"\n");
        sample.Edit("DataFile.csproj", project => project.Replace("</Project>", """
              <ItemGroup>
                <ImageFile Include="wrap.sh" Destination="/usr/local/bin/" Mode="0755" />
                <ImageDockerfileCommand Include="ENTRYPOINT [&quot;/usr/local/bin/wrap.sh&quot;]" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));
        try
        {
            var build = sample.Build();

            Assert.AreEqual(0, build.ExitCode, build.ToString());
            Assert.IsFalse(build.Output.Contains("IMG6501", StringComparison.Ordinal), build.ToString());
            var output = Docker.RunImage(sample.Image);
            StringAssert.Contains(output, "wrapped: /app/DataFile", "the app command is the wrapper's CMD");
            StringAssert.Contains(output, "data: ", "the wrapper ran the app");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_failed_build_writes_its_report_with_the_failed_step()
    {
        var sample = Consumer.Copy("DataFile", nameof(A_failed_build_writes_its_report_with_the_failed_step));
        sample.Edit("DataFile.csproj", project => project.Replace("</Project>", """
              <ItemGroup>
                <ImageCommand Include="exit 3" Order="500" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));

        var build = sample.Build();

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error IMG3001", build.ToString());
        var report = JsonSerializer.Deserialize<FailedReport>(File.ReadAllText(sample.ReportFile), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.IsNull(report.ImageId);
        CollectionAssert.AreEqual(new[] { "file" }, report.Layers.Select(l => l.Kind).ToArray());
        Assert.AreEqual(("IMG3001", 1, "command"), (report.Failed.Code, report.Failed.Index, report.Failed.Kind));
        StringAssert.Contains(report.Failed.Summary, "exit 3");
        Assert.AreEqual(64, report.Failed.Key?.Length);
    }

    sealed record FailedReport(string? ImageId, List<LayerReport> Layers, FailedStep Failed);

    sealed record FailedStep(string Code, int? Index, string? Kind, string? Summary, string? Key);
}
