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
    public Task A_failed_build_reports_the_layers_done_and_the_failed_step() => WithReportFile(async report =>
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
    public Task A_successful_build_reports_no_failure() => WithReportFile(async report =>
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

    [TestMethod]
    public Task With_a_Dockerfile_base_the_report_names_the_image_built_from_it_not_a_placeholder() => WithReportFile(async report =>
        {
            var request = Request();
            request.ReportFile = report;
            Directory.CreateDirectory(Path.GetDirectoryName(report)!);
            request.Dockerfile = Path.Combine(Path.GetDirectoryName(report)!, "Dockerfile");
            File.WriteAllText(request.Dockerfile, $"FROM {request.BaseImage}\nRUN echo from the dockerfile\n");
            var engine = FakeEngine.With(request.BaseImage!);
            request.BaseImage = null;
            request.Commands.Add(Data("echo a"));
            var log = new ListTaskLog();
            var result = await engine.Runner().RunAsync(request, log, default);

            Assert.IsTrue(result.Success, string.Join("\n", log.Errors));
            var written = BuildReport.Read(report);
            StringAssert.StartsWith(written.BaseImage, "imagetasks-cache:", "the Dockerfile's image, by its cache tag");
            Assert.AreNotEqual(DefinitionMapper.DockerfileBasePlaceholder, written.BaseImage);
        });

    [TestMethod]
    public Task The_report_says_where_each_layer_came_from_and_the_shared_cache_is_used_through_the_request() => WithReportFile(async report =>
        {
            var request = Request();
            request.ReportFile = report;
            request.Commands.Add(Data("echo a"));
            (request.CacheFrom, request.CacheTo) = ("registry.example.com/team/cache", "registry.example.com/team/cache");
            var backend = FakeEngine.With(request.BaseImage!);
            Assert.IsTrue((await backend.Runner().RunAsync(request, new ListTaskLog(), default)).Success);
            CollectionAssert.AreEqual(new[] { "built", "built" }, BuildReport.Read(report).Layers.Select(l => l.Source).ToArray());
            Assert.AreEqual(2, backend.Pushes.Count, "every layer pushed under its key");

            request.CacheRepository = "another-local-cache"; // an engine that has none of the layers tagged
            request.CacheTo = null;
            Assert.IsTrue((await backend.Runner().RunAsync(request, new ListTaskLog(), default)).Success);
            var written = BuildReport.Read(report);
            CollectionAssert.AreEqual(new[] { "pulled from cache", "pulled from cache" }, written.Layers.Select(l => l.Source).ToArray());
            Assert.IsTrue(written.Layers.All(l => l.Cached));
        });

    [TestMethod]
    public async Task A_cache_reference_with_a_tag_is_IMG4306_naming_the_property()
    {
        var request = Request();
        request.CacheFrom = "registry.example.com/team/cache:v1";
        var log = new ListTaskLog();
        Assert.IsFalse((await FakeEngine.With(request.BaseImage!).Runner().RunAsync(request, log, default)).Success);
        Assert.AreEqual(ErrorCodes.InvalidCacheReference, log.Errors.Single().Code);
        StringAssert.Contains(log.Errors.Single().Message, "ImageCacheFrom");
    }
}
