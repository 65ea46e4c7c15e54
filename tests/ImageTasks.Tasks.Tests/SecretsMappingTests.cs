using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>Secrets and Env metadata, ImageSecret items and ImageBuildFunction items, mapped and read without an engine.</summary>
[TestClass]
public sealed class SecretsMappingTests
{
    [TestMethod]
    public void Secrets_and_env_metadata_reach_the_step_and_split_items_into_layers()
    {
        var request = Request();
        request.Commands.Add(Data("echo a", "Secrets=HF_TOKEN;OTHER", "Env=MODE=fast;LEVEL=a=b"));
        request.Commands.Add(Data("echo b"));
        request.PipPackages.Add(Data("pandas", "Secrets=HF_TOKEN"));
        var steps = DefinitionMapper.Map(request).Definition.Steps;
        var shells = steps.OfType<ShellStep>().ToList();
        Assert.HasCount(2, shells, "different secrets make different layers");
        CollectionAssert.AreEqual(new[] { "HF_TOKEN", "OTHER" }, shells[0].Secrets.ToArray());
        CollectionAssert.AreEqual(new[] { new KeyValuePair<string, string>("MODE", "fast"), new("LEVEL", "a=b") }, shells[0].BuildEnvironment.ToArray());
        Assert.IsEmpty(shells[1].Secrets);
        CollectionAssert.AreEqual(new[] { "HF_TOKEN" }, steps.OfType<PipStep>().Single().Secrets.ToArray());
    }

    [TestMethod]
    public void Env_without_a_name_and_secrets_on_a_file_are_refused_naming_the_value()
    {
        var request = Request();
        request.Commands.Add(Data("echo a", "Env=fast"));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(ErrorCodes.InvalidBuildEnvironment, e.Code);
        StringAssert.Contains(e.Message, "\"fast\"");

        request = Request();
        request.Files.Add(Data("data/a.txt", "Secrets=HF_TOKEN"));
        e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(ErrorCodes.SecretsOnCopy, e.Code);
        StringAssert.Contains(e.Message, "\"HF_TOKEN\"");
    }

    [TestMethod]
    public async Task A_missing_secret_fails_before_anything_runs_naming_every_place_looked()
    {
        var request = Request();
        request.Commands.Add(Data("echo a", "Secrets=IMAGETASKS_TEST_UNSET_SECRET"));
        request.UserSecretsId = "imagetasks-test-no-such-store";
        var engine = FakeEngine.With(request.BaseImage!);
        var log = new ListTaskLog();
        var result = await engine.Runner().RunAsync(request, log, default);
        Assert.IsFalse(result.Success);
        var (code, message) = log.Errors.Single();
        Assert.AreEqual(ErrorCodes.SecretMissing, code);
        StringAssert.Contains(message, "\"IMAGETASKS_TEST_UNSET_SECRET\"");
        StringAssert.Contains(message, "the environment variable IMAGETASKS_TEST_UNSET_SECRET");
        StringAssert.Contains(message, "imagetasks-test-no-such-store");
        Assert.IsEmpty(engine.Runs, "nothing ran");
    }

    [TestMethod]
    public async Task A_secret_is_read_from_its_file_when_the_build_runs()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-secret-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "token.txt"), "from-file-123");
            var request = Request();
            request.ProjectDirectory = folder;
            request.Secrets.Add(Data("HF_TOKEN", "FromFile=token.txt"));
            request.Commands.Add(Data("echo a", "Secrets=HF_TOKEN"));
            var engine = FakeEngine.With(request.BaseImage!);
            var log = new ListTaskLog();
            Assert.IsTrue((await engine.Runner().RunAsync(request, log, default)).Success, string.Join("\n", log.Errors));
            Assert.AreEqual("from-file-123", engine.Runs.Single(r => r.Command is not null).Secrets!.Files["HF_TOKEN"]);

            request.Secrets[0] = Data("HF_TOKEN", "FromFile=token.txt", "FromEnvironment=X");
            log = new ListTaskLog();
            Assert.IsFalse((await engine.Runner().RunAsync(request, log, default)).Success);
            Assert.AreEqual(ErrorCodes.InvalidSecretSource, log.Errors.Single().Code);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public void A_secret_comes_from_the_user_secrets_store_by_its_name_or_the_key_given()
    {
        var root = Directory.CreateTempSubdirectory("imagetasks-usersecrets-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "app-id"));
            File.WriteAllText(Path.Combine(root, "app-id", "secrets.json"), """{ "IMAGETASKS_TEST_US_A": "from-store", "HuggingFace": { "Token": "nested" } }""");
            var request = Request();
            request.UserSecretsId = "app-id";
            request.Secrets.Add(Data("HF_TOKEN", "FromUserSecrets=HuggingFace:Token"));
            request.Commands.Add(Data("echo a", "Secrets=IMAGETASKS_TEST_US_A;HF_TOKEN"));
            var values = SecretValues.Read(request, DefinitionMapper.Map(request).Definition, root);
            Assert.AreEqual("from-store", values["IMAGETASKS_TEST_US_A"], "no variable of that name: the store's key of the name");
            Assert.AreEqual("nested", values["HF_TOKEN"], "a nested key, as configuration names it");
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [TestMethod]
    public void A_function_item_maps_its_project_folder_the_files_imported_from_above_and_its_packages()
    {
        var root = Directory.CreateTempSubdirectory("imagetasks-fn-").FullName;
        try
        {
            var tool = Path.Combine(root, "app", "tools", "Fetch");
            Directory.CreateDirectory(Path.Combine(tool, "obj"));
            Directory.CreateDirectory(Path.Combine(tool, "bin"));
            File.WriteAllText(Path.Combine(tool, "Fetch.csproj"), "<Project />");
            File.WriteAllText(Path.Combine(tool, "Program.cs"), "");
            File.WriteAllText(Path.Combine(tool, "bin", "Fetch.dll"), "");
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
            File.WriteAllText(Path.Combine(root, "app", "App.cs"), "");
            var assets = Path.Combine(tool, "obj", "project.assets.json");
            File.WriteAllText(assets, """{ "libraries": { "Humanizer.Core/2.14.1": { "type": "package" }, "Lib/1.0.0": { "type": "project" } } }""");
            var publish = Path.Combine(root, "publish");
            Directory.CreateDirectory(publish);
            File.WriteAllText(Path.Combine(publish, "Fetch"), "");
            var request = Request();
            request.ProjectDirectory = Path.Combine(root, "app");
            request.Functions.Add(Data("tools/Fetch/Fetch.csproj", "Arguments=--model;small", "Secrets=HF_TOKEN", "WorkingDirectory=/models",
                "PublishDir=" + publish, "AssetsFile=" + assets));
            var function = DefinitionMapper.Map(request).Definition.Steps.OfType<FunctionStep>().Single();
            CollectionAssert.AreEqual(new[] { "Fetch.csproj", "Program.cs", "^3/Directory.Build.props" }, function.Inputs.Select(i => i.TargetName).ToArray(),
                "the project folder less bin/ and obj/, and what MSBuild imports from above; not the app's files");
            CollectionAssert.AreEqual(new[] { new FunctionPackage("Humanizer.Core", "2.14.1") }, function.Packages.ToArray());
            CollectionAssert.AreEqual(new[] { "--model", "small" }, function.Arguments.ToArray());
            Assert.AreEqual("/models", function.WorkingDirectory);
            CollectionAssert.AreEqual(new[] { "HF_TOKEN" }, function.Secrets.ToArray());

            Assert.IsEmpty(DefinitionMapper.Map(request).Warnings);
            File.WriteAllText(assets, """{ "libraries": { "Lib/1.0.0": { "type": "project", "path": "../../Lib/Lib.csproj" } } }""");
            var warning = DefinitionMapper.Map(request).Warnings.Single();
            Assert.AreEqual(ErrorCodes.FunctionReferencesOutside, warning.Code);
            StringAssert.Contains(warning.Message, Path.Combine(root, "app", "Lib", "Lib.csproj"));

            request.Functions[0] = Data("tools/Nope/Nope.csproj");
            Assert.AreEqual(ErrorCodes.InvalidFunction, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
