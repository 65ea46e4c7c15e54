using ImageTasks.Core.Tests;
using ImageTasks.Tasks.Mapping;
using ImageTasks.Tasks.Protocol;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>The up-to-date check made from the request itself: every input counts, nothing else does.</summary>
[TestClass]
public sealed class UpToDateTests
{
    string _folder = "";

    [TestInitialize]
    public void Start() => _folder = Directory.CreateTempSubdirectory("imagetasks-uptodate-").FullName;

    [TestCleanup]
    public void Stop() => Directory.Delete(_folder, recursive: true);

    ImageRequest RequestWithRecord()
    {
        var request = Request();
        request.ProjectDirectory = _folder;
        request.RecordFile = Path.Combine(_folder, "obj", "last-build.record");
        request.ReportFile = Path.Combine(_folder, "obj", "last-build.json");
        request.Commands.Add(Data("echo a"));
        return request;
    }

    /// <summary>The members that say where outputs go: they do not change the image.</summary>
    static readonly string[] Outputs = [nameof(ImageRequest.ReportFile), nameof(ImageRequest.FileIndexFile), nameof(ImageRequest.RecordFile)];

    [TestMethod]
    public void Changing_any_input_of_the_request_changes_the_fingerprint_and_where_outputs_go_does_not()
    {
        var request = RequestWithRecord();
        var before = UpToDate.Fingerprint(request);
        var properties = typeof(ImageRequest).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.IsGreaterThan(40, properties.Length, "every member is looked at");
        foreach (var property in properties)
        {
            var changed = Json.Deserialize<ImageRequest>(Json.Serialize(request));
            Mutate(property, changed);
            var after = UpToDate.Fingerprint(changed);
            if (Outputs.Contains(property.Name)) Assert.AreEqual(before, after, $"{property.Name} says where an output goes");
            else Assert.AreNotEqual(before, after, $"a change of {property.Name} must make the image build again");
        }
    }

    static void Mutate(System.Reflection.PropertyInfo property, ImageRequest request)
    {
        var value = property.GetValue(request);
        object changed = property.PropertyType switch
        {
            var t when t == typeof(string) => (value as string) + "-changed",
            var t when t == typeof(bool) => !(bool)value!,
            var t when t == typeof(List<string>) => new List<string>((List<string>)value!) { "changed" },
            var t when t == typeof(List<ItemData>) => new List<ItemData>((List<ItemData>)value!) { Data("changed", "Version=1") },
            var t => throw new InvalidOperationException($"{property.Name} is a {t.Name}: teach this test how to change it"),
        };
        property.SetValue(request, changed);
    }

    [TestMethod]
    public void A_file_rewritten_with_its_old_size_and_mtime_changes_the_fingerprint()
    {
        var file = Path.Combine(_folder, "settings.json");
        File.WriteAllText(file, "{\"a\":1}");
        var request = RequestWithRecord();
        request.Files.Add(Data("settings.json"));
        var before = UpToDate.Fingerprint(request);
        Assert.AreEqual(before, UpToDate.Fingerprint(request), "nothing changed");
        var mtime = File.GetLastWriteTimeUtc(file);
        Thread.Sleep(20);
        File.WriteAllText(file, "{\"a\":2}");
        File.SetLastWriteTimeUtc(file, mtime);
        Assert.AreNotEqual(before, UpToDate.Fingerprint(request));
    }

    [TestMethod]
    public void Credentials_are_not_part_of_the_fingerprint_nor_of_the_record()
    {
        var request = RequestWithRecord();
        request.PipIndexUrl = "https://user:first-token@pkgs.example.com/simple?key=first-key";
        var first = UpToDate.Fingerprint(request);
        request.PipIndexUrl = "https://user:second-token@pkgs.example.com/simple?key=second-key";
        Assert.AreEqual(first, UpToDate.Fingerprint(request), "a new token does not change the image");
        request.PipIndexUrl = "https://user:second-token@other.example.com/simple";
        Assert.AreNotEqual(first, UpToDate.Fingerprint(request), "another index does");
    }

    [TestMethod]
    public async Task A_second_build_is_up_to_date_until_an_input_changes_the_image_disappears_or_a_step_is_forced()
    {
        var request = RequestWithRecord();
        var engine = FakeEngine.With(request.BaseImage!);
        var first = await engine.Runner().RunAsync(request, new ListTaskLog(), default);
        Assert.IsTrue(first.Success && !first.UpToDate);
        var runs = engine.Runs.Count;
        var reportTime = File.GetLastWriteTimeUtc(request.ReportFile!);
        Assert.IsFalse(File.ReadAllText(request.RecordFile!).Contains("echo a"), "the record holds a fingerprint, not the request");

        var second = await engine.Runner().RunAsync(request, new ListTaskLog(), default);
        Assert.IsTrue(second.UpToDate);
        Assert.AreEqual(first.ImageId, second.ImageId);
        CollectionAssert.AreEqual(first.ImageNames, second.ImageNames);
        Assert.AreEqual(runs, engine.Runs.Count);
        Assert.AreEqual(reportTime, File.GetLastWriteTimeUtc(request.ReportFile!), "an up-to-date build writes no report");

        request.Commands.Add(Data("echo b"));
        Assert.IsFalse((await engine.Runner().RunAsync(request, new ListTaskLog(), default)).UpToDate, "a new command");
        Assert.IsTrue((await engine.Runner().RunAsync(request, new ListTaskLog(), default)).UpToDate);

        await engine.RemoveImageAsync("app:latest", default);
        Assert.IsFalse((await engine.Runner().RunAsync(request, new ListTaskLog(), default)).UpToDate, "the image is gone");

        request.Commands.Add(Data("echo c", "ForceBuild=true"));
        Assert.IsTrue(UpToDate.IsForced(request));
        await engine.Runner().RunAsync(request, new ListTaskLog(), default);
        Assert.IsFalse((await engine.Runner().RunAsync(request, new ListTaskLog(), default)).UpToDate, "a forced step always builds");
    }

    [TestMethod]
    public async Task A_failed_build_leaves_no_record()
    {
        var request = RequestWithRecord();
        var engine = FakeEngine.With(request.BaseImage!);
        await engine.Runner().RunAsync(request, new ListTaskLog(), default);
        Assert.IsTrue(File.Exists(request.RecordFile));
        request.Commands.Add(Data("exit 1"));
        engine.ExitCodeOf = run => run.Command?.Contains("exit 1") == true ? 1 : 0;
        Assert.IsFalse((await engine.Runner().RunAsync(request, new ListTaskLog(), default)).Success);
        Assert.IsFalse(File.Exists(request.RecordFile), "the next build runs");
    }
}
