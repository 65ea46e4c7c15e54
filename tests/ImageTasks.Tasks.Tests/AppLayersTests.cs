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
