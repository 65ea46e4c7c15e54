using ImageTasks.Definition;
using ImageTasks.Tests;

namespace ImageTasks.Engine.Tests;

/// <summary>Copy steps take the load path (no container) when the layer means the same applied on its own, else the
/// commit path; both give the files, modes and folders the put archive gives.</summary>
[TestClass]
public sealed class CopyPathTests : EngineFixture
{
    static string Inspect(string image, string format) => TestBed.Docker("image", "inspect", "--format", format, image).Trim();

    [TestMethod]
    public async Task A_folder_copy_is_loaded_and_a_file_into_a_missing_folder_is_committed_with_the_parents_modes()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "app", "sub"));
        File.WriteAllText(Path.Combine(folder.Path, "app", "run.sh"), "#!/bin/sh\necho loaded\n");
        File.SetUnixFileMode(Path.Combine(folder.Path, "app", "run.sh"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(folder.Path, "app", "sub", "data.txt"), "data");
        var tag = $"imagetasks-test/copy:{Guid.NewGuid():N}";
        var loaded = new CopyStep([new CopySource(Path.Combine(folder.Path, "app"))], "/app");
        var nested = new CopyStep([new CopySource(Path.Combine(folder.Path, "app", "sub", "data.txt"), "data.txt")], "/srv/deep");
        try
        {
            var first = await BuildAsync(Definition(TestBed.BasePlain, loaded), Options(tag));
            Assert.AreEqual("", Inspect(first.ImageId, "{{.Container}}"), "no container made the loaded layer");
            Assert.AreEqual("loaded data", RunInImage(tag, "sh", "-c", "echo $(/app/run.sh) $(cat /app/sub/data.txt)"));
            Assert.AreEqual("755 644 755", RunInImage(tag, "sh", "-c", "echo $(stat -c %a /app/run.sh /app/sub/data.txt /usr)"), "modes as on the host; the parent's folders untouched");

            var second = await BuildAsync(Definition(TestBed.BasePlain, loaded, nested), Options(tag));
            Assert.AreNotEqual("", Inspect(second.ImageId, "{{.Container}}"), "a file whose folders are not in the tar is committed");
            Assert.AreEqual("data 755 755", RunInImage(tag, "sh", "-c", "echo $(cat /srv/deep/data.txt) $(stat -c %a /srv /srv/deep)"));

            // a configuration step is loaded too (no layer, no container), unless it changes the working directory
            var config = await BuildAsync(Definition(TestBed.BasePlain, loaded, new ConfigStep { Environment = [new("MODE", "fast")] }), Options(tag));
            Assert.AreEqual("", Inspect(config.ImageId, "{{.Container}}"));
            Assert.AreEqual(Inspect(first.ImageId, "{{len .RootFS.Layers}}"), Inspect(config.ImageId, "{{len .RootFS.Layers}}"), "no layer added");
            Assert.AreEqual("fast /app/run.sh", RunInImage(tag, "sh", "-c", "echo $MODE $(ls /app/run.sh)"));
            var workdir = await BuildAsync(Definition(TestBed.BasePlain, loaded, new ConfigStep { WorkingDirectory = "/work/here" }), Options(tag));
            Assert.AreNotEqual("", Inspect(workdir.ImageId, "{{.Container}}"), "a new working directory is committed: the engine makes the folder");
            var forced = loaded with { Force = true }; // loaded now, so this backend knows its folders
            var intoApp = await BuildAsync(Definition(TestBed.BasePlain, forced, new ConfigStep { WorkingDirectory = "/app" }), Options(tag));
            Assert.AreEqual("", Inspect(intoApp.ImageId, "{{.Container}}"), "the working directory is a folder of the layer just loaded: loaded");
            Assert.AreEqual("/app", RunInImage(tag, "pwd"));
        }
        finally { TestBed.Run("docker", ["image", "rm", "-f", tag]); }
    }
    [TestMethod]
    public async Task A_copy_and_the_configuration_over_it_are_loaded_in_one_request_each_with_its_own_record()
    {
        // the inner loop's last two steps (the app's own files, then the final configuration) are one load
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "app"));
        File.WriteAllText(Path.Combine(folder.Path, "app", "Program.dll"), Guid.NewGuid().ToString());
        var tag = $"imagetasks-test/copy:{Guid.NewGuid():N}";
        var definition = Definition(TestBed.BasePlain, new CopyStep([new CopySource(Path.Combine(folder.Path, "app"))], "/app"),
            new ConfigStep { WorkingDirectory = "/app", Entrypoint = ["/bin/cat"], Command = ["Program.dll"], Labels = [new("stage", "top")] });
        try
        {
            var built = await BuildAsync(definition, Options(tag));
            Assert.AreEqual(2, built.Built, "both built");
            var (copy, config) = (built.Layers[0], built.Layers[1]);
            foreach (var layer in built.Layers)
            {
                Assert.AreEqual("", Inspect(layer.ImageId, "{{.Container}}"), "no container made either image");
                Assert.AreEqual(layer.ImageId, Inspect($"{Options().CacheRepository}:{layer.Step.Key}", "{{.Id}}"), "each is tagged under its own key");
                Assert.AreEqual($"imagetasks-layer key={layer.Step.Key} parent={layer.Step.ParentKey}", Inspect(layer.ImageId, "{{.Comment}}"), "each has its own record");
            }
            Assert.AreEqual(Inspect(copy.ImageId, "{{json .RootFS.Layers}}"), Inspect(config.ImageId, "{{json .RootFS.Layers}}"), "the configuration adds no layer");
            Assert.AreEqual("/app [/bin/cat] top", Inspect(config.ImageId, "{{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{index .Config.Labels \"stage\"}}").Replace("\"", ""));
            var below = Inspect(copy.ImageId, "{{json .Config.Entrypoint}} {{json .Config.Labels}}");
            Assert.IsFalse(below.Contains("/bin/cat") || below.Contains("stage"), "the copy's image has the configuration before the step: " + below);
            // the configuration's history is the copy's, then its own entry (empty), each with its record
            var history = TestBed.Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}|{{.Comment}}", config.ImageId).Trim().Split('\n');
            StringAssert.StartsWith(history[0], $"imagetasks: configuration|0B|imagetasks-layer key={config.Step.Key}");
            StringAssert.StartsWith(history[1], $"imagetasks: copy|");
            StringAssert.Contains(history[1], $"imagetasks-layer key={copy.Step.Key}");
            Assert.AreEqual(File.ReadAllText(Path.Combine(folder.Path, "app", "Program.dll")), RunInImage(tag, "cat", "Program.dll"), "in the working directory");

            var again = await BuildAsync(definition, Options(tag));
            Assert.AreEqual(0, again.Built, "both reused");
            Assert.AreEqual(config.ImageId, again.ImageId);
        }
        finally { TestBed.Run("docker", ["image", "rm", "-f", tag]); }
    }

    [TestMethod]
    public async Task A_refusal_on_the_engines_HTTP_API_is_IMG4002_with_the_engines_message()
    {
        var base_ = await Backend.InspectImageAsync(TestBed.BasePlain, CancellationToken.None);
        Assert.IsNotNull(base_);
        // a repository name with capitals is one the engine refuses (Docker 20.10 answers 500): the request goes through EngineHttp
        var error = await Assert.ThrowsAsync<Diagnostics.ImageTasksException>(() => Backend.TagAsync(base_.Id, "Imagetasks-Test/Refused", "t", CancellationToken.None));
        Assert.AreEqual(Diagnostics.ErrorCodes.EngineError, error.Code, error.Message);
        StringAssert.Matches(error.Message, new System.Text.RegularExpressions.Regex(@"refused a request while tagging .* \([45]\d\d \w+\): "), "the request and the engine's status");
        StringAssert.Contains(error.Message, "must be lowercase", "the engine's own message, not its JSON");
        Assert.DoesNotContain("{\"message\"", error.Message);
    }
}
