using ImageTasks.Core.Tests;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

[TestClass]
public sealed class BuildReportTests
{
    /// <summary>Runs <paramref name="test"/> with a report path in a temporary folder, removed afterwards.</summary>
    static async Task WithReportFile(Func<string, Task> test)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"imagetasks-report-{Guid.NewGuid():N}");
        try { await test(Path.Combine(folder, "last-build.json")); }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, true); }
    }

    [TestMethod]
    public Task AFailedBuildReportsTheLayersDoneAndTheFailedStep() => WithReportFile(async report =>
        {
            var request = Request();
            request.ReportFile = report;
            request.Commands.Add(Data("echo a", "Layer=1"));
            request.Commands.Add(Data("exit 1", "Layer=2"));
            var backend = FakeEngine.With(request.BaseImage!, failAtRun: 2);
            var log = new ListTaskLog();

            var result = await backend.Runner().RunAsync(request, log, default);

            Assert.IsFalse(result.Success);
            Assert.AreEqual(ErrorCodes.StepFailed, log.Errors.Single().Code);
            Assert.IsTrue(File.Exists(report), "a failed build writes its report");
            var written = BuildReport.Read(report);
            Assert.IsNull(written.ImageId);
            Assert.AreEqual(0, written.Layers.Single().Index);
            Assert.AreEqual("command", written.Layers.Single().Kind);
            Assert.AreEqual(1, written.Built);
            var failed = written.Failed!;
            Assert.AreEqual((ErrorCodes.StepFailed, 1, "command"), (failed.Code, failed.Index, failed.Kind));
            StringAssert.Contains(failed.Summary, "exit 1");
            Assert.AreEqual(64, failed.Key!.Length);
        });

    [TestMethod]
    public Task ASuccessfulBuildReportsNoFailure() => WithReportFile(async report =>
        {
            var request = Request();
            request.ReportFile = report;
            request.Commands.Add(Data("echo a"));
            var result = await FakeEngine.With(request.BaseImage!).Runner().RunAsync(request, new ListTaskLog(), default);

            Assert.IsTrue(result.Success);
            var written = BuildReport.Read(report);
            Assert.IsNull(written.Failed);
            Assert.IsNotNull(written.ImageId);
            Assert.AreEqual(2, written.Layers.Count);
        });
}
