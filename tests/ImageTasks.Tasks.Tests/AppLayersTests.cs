using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Planning;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

[TestClass]
public sealed class AppLayersTests
{
    [TestMethod]
    public void The_app_folder_is_runtime_then_packages_then_the_rest_each_file_in_one_layer()
    {
        var app = Directory.CreateTempSubdirectory("imagetasks-app-").FullName;
        try
        {
            foreach (var file in new[] { "libcoreclr.so", "System.Private.CoreLib.dll", "Newtonsoft.Json.dll", "runtimes/linux-x64/native/libe_sqlite3.so", "App.dll", "App", "unknown.bin" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(app, file))!);
                File.WriteAllText(Path.Combine(app, file), file);
            }
            var request = Request();
            request.AppDirectory = app + "/";
            request.AppLayerFiles.AddRange([Data("libcoreclr.so", "Layer=runtime"), Data("System.Private.CoreLib.dll", "Layer=runtime"),
                Data("Newtonsoft.Json.dll", "Layer=dependencies"), Data("runtimes\\linux-x64\\native\\libe_sqlite3.so", "Layer=dependencies"),
                Data("listed-but-not-published.dll", "Layer=dependencies")]);

            var image = DefinitionMapper.Map(request);

            CollectionAssert.AreEqual(new[] { "runtime", "dependencies", "app", "config" }, image.Kinds.ToArray());
            var digester = new FileDigester();
            string[] Files(int step) => digester.Digest((CopyStep)image.Definition.Steps[step]).Where(e => !e.IsDirectory).Select(e => e.ImagePath).ToArray();
            CollectionAssert.AreEqual(new[] { "/app/System.Private.CoreLib.dll", "/app/libcoreclr.so" }, Files(0));
            CollectionAssert.AreEqual(new[] { "/app/Newtonsoft.Json.dll", "/app/runtimes/linux-x64/native/libe_sqlite3.so" }, Files(1));
            CollectionAssert.AreEqual(new[] { "/app/App", "/app/App.dll", "/app/unknown.bin" }, Files(2), "what the SDK does not classify is the app's own");
            Assert.AreEqual("copy .NET runtime -> /app", image.Definition.Steps[0].Summary);
        }
        finally { Directory.Delete(app, recursive: true); }
    }

    [TestMethod]
    public void A_new_runtime_pack_rekeys_the_runtime_layer_and_up_a_package_the_dependencies_and_up_a_code_edit_the_app_only()
    {
        var app = Directory.CreateTempSubdirectory("imagetasks-app-").FullName;
        try
        {
            void Write(string file, string text) => File.WriteAllText(Path.Combine(app, file), text);
            Write("libcoreclr.so", "runtime 10.0.1");
            Write("Newtonsoft.Json.dll", "package 13.0.3");
            Write("App.dll", "code 1");
            var request = Request();
            request.AppDirectory = app + "/";
            request.AppLayerFiles.AddRange([Data("libcoreclr.so", "Layer=runtime"), Data("Newtonsoft.Json.dll", "Layer=dependencies")]);
            string[] Keys() => Planner.Plan(DefinitionMapper.Map(request).Definition, "sha256:" + new string('b', 64), new FileDigester()).Steps.Select(s => s.Key).ToArray();
            // which of runtime, dependencies, app, config got a new key
            bool[] Changed(string[] before, string[] after) => before.Zip(after, (b, a) => b != a).ToArray();

            var first = Keys();
            Write("App.dll", "code 2");
            var edited = Keys();
            CollectionAssert.AreEqual(new[] { false, false, true, true }, Changed(first, edited), "a code edit: the app's own layer (and the configuration above it)");
            Write("Newtonsoft.Json.dll", "package 13.0.4");
            var package = Keys();
            CollectionAssert.AreEqual(new[] { false, true, true, true }, Changed(edited, package), "a package version: the dependencies layer and up");
            Write("libcoreclr.so", "runtime 10.0.2");
            CollectionAssert.AreEqual(new[] { true, true, true, true }, Changed(package, Keys()), "a runtime pack version: every layer from the runtime on");
        }
        finally { Directory.Delete(app, recursive: true); }
    }

    [TestMethod]
    public void Without_lists_the_app_is_one_layer()
    {
        var request = Request();
        request.AppDirectory = "/work/app/bin/publish/";
        CollectionAssert.AreEqual(new[] { "app", "config" }, DefinitionMapper.Map(request).Kinds.ToArray());
    }

    [TestMethod]
    [DataRow("a.dll", "Layer=tools", "\"tools\"")]
    [DataRow("../outside.dll", "Layer=runtime", "\"../outside.dll\"")]
    [DataRow("/etc/passwd", "Layer=runtime", "\"/etc/passwd\"")]
    public void A_bad_app_layer_file_is_IMG5020_naming_it(string path, string metadata, string named)
    {
        var request = Request();
        request.AppDirectory = "/work/app/bin/publish/";
        request.AppLayerFiles.Add(Data(path, metadata));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(ErrorCodes.InvalidAppLayer, e.Code);
        StringAssert.Contains(e.Message, named);
    }
}
