using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using ImageTasks.Tests;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>CondaPackage, CondaSpecFile and ImageCondaChannels mapped to conda steps; the default base's parity with
/// Modal's debian_slim (ImagePythonVersion, ImagePythonBuildTools); bad values refused before anything connects.</summary>
[TestClass]
public sealed class CondaItemsTests
{
    const string Token = "tk-5ecret-c0nda-t0ken";
    readonly TempFolder _project = new(); // a test class instance per test: a folder each
    string Dir => _project.Path;

    [TestCleanup]
    public void Stop() => _project.Dispose();

    Protocol.ImageRequest InProject() => RequestIn(Dir);

    [TestMethod]
    public void Conda_items_make_one_step_for_the_packages_and_one_per_spec_file_between_apt_and_pip()
    {
        File.WriteAllText(Path.Combine(Dir, "env.txt"), "scipy\n");
        var request = InProject();
        request.CondaChannels = "conda-forge; bioconda";
        request.PipPackages.Add(Data("imgt-colors"));
        request.CondaSpecFiles.Add(Data("env.txt"));
        request.CondaPackages.Add(Data("numpy", "Version=1.26.*"));
        request.CondaPackages.Add(Data("python 3.12.*"));
        request.CondaPackages.Add(Data("pandas", "Channel=conda-forge", "Version=>=2"));
        request.AptPackages.Add(Data("curl"));
        var mapped = DefinitionMapper.Map(request);
        CollectionAssert.AreEqual(new[] { "apt", "conda", "conda", "pip", "config" }, mapped.Kinds.ToArray());
        var packages = (CondaStep)mapped.Definition.Steps[1];
        CollectionAssert.AreEqual(new[] { "numpy=1.26.*", "python 3.12.*", "conda-forge::pandas>=2" }, packages.Packages.Select(p => p.Argument).ToArray());
        CollectionAssert.AreEqual(new[] { "conda-forge", "bioconda" }, packages.Channels.ToArray());
        var specFile = (CondaStep)mapped.Definition.Steps[2];
        Assert.AreEqual(Path.Combine(Dir, "env.txt"), specFile.SpecFile);
        Assert.AreEqual(0, specFile.Packages.Count);
        CollectionAssert.AreEqual(new[] { "conda-forge", "bioconda" }, specFile.Channels.ToArray());
    }

    [TestMethod]
    public void Order_and_Layer_metadata_place_and_split_conda_steps_as_other_items()
    {
        var request = InProject();
        request.CondaPackages.Add(Data("numpy"));
        request.CondaPackages.Add(Data("scipy", "Layer=2"));
        request.CondaPackages.Add(Data("python", "Order=50"));
        request.AptPackages.Add(Data("curl"));
        var steps = DefinitionMapper.Map(request).Definition.Steps;
        CollectionAssert.AreEqual(new[] { "python" }, ((CondaStep)steps[0]).Packages.Select(p => p.Spec).ToArray());
        Assert.IsInstanceOfType<AptStep>(steps[1]);
        CollectionAssert.AreEqual(new[] { "numpy" }, ((CondaStep)steps[2]).Packages.Select(p => p.Spec).ToArray());
        CollectionAssert.AreEqual(new[] { "scipy" }, ((CondaStep)steps[3]).Packages.Select(p => p.Spec).ToArray());
    }

    [TestMethod]
    public void IMAGETASKS_CONDA_CHANNELS_takes_the_place_of_ImageCondaChannels()
    {
        var request = InProject();
        request.CondaChannels = "conda-forge";
        request.CondaPackages.Add(Data("numpy"));
        var channels = $"https://conda.example.com/t/{Token}/private;conda-forge";
        Environment.SetEnvironmentVariable(CondaChannels.ChannelsVariable, channels);
        try
        {
            var conda = (CondaStep)DefinitionMapper.Map(request).Definition.Steps[0];
            CollectionAssert.AreEqual(channels.Split(';'), conda.Channels.ToArray());
            Assert.IsFalse(conda.Summary.Contains(Token, StringComparison.Ordinal));
        }
        finally { Environment.SetEnvironmentVariable(CondaChannels.ChannelsVariable, null); }
    }

    [TestMethod]
    [DataRow("numpy; rm -rf /", null, null, ErrorCodes.InvalidCondaSpec, "numpy; rm -rf /")]
    [DataRow("numpy", "Version=$(reboot)", null, ErrorCodes.InvalidCondaSpec, "$(reboot)")]
    [DataRow("numpy", "Channel=conda forge", null, ErrorCodes.InvalidCondaChannel, "conda forge")]
    [DataRow("numpy", null, "conda-forge;`reboot`", ErrorCodes.InvalidCondaChannel, "`reboot`")]
    public void A_bad_conda_value_is_refused_with_its_code_and_the_value(string include, string? metadata, string? channels, string code, string quoted)
    {
        var request = InProject();
        request.CondaChannels = channels;
        request.CondaPackages.Add(metadata is null ? Data(include) : Data(include, metadata));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(code, e.Code, e.Message);
        StringAssert.Contains(e.Message, quoted);
    }

    [TestMethod]
    public void A_missing_spec_file_is_IMG1048_naming_it()
    {
        var request = InProject();
        request.CondaSpecFiles.Add(Data("missing-env.yml"));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(ErrorCodes.InvalidCondaSpecFile, e.Code);
        StringAssert.Contains(e.Message, Path.Combine(Dir, "missing-env.yml"));
    }

    [TestMethod]
    public async Task A_token_in_ImageCondaChannels_warns_IMG5011_and_stays_out_of_the_log_and_the_command()
    {
        var request = InProject();
        request.CondaChannels = $"https://conda.example.com/t/{Token}/private";
        request.CondaPackages.Add(Data("numpy"));
        var backend = FakeEngine.With(request.BaseImage!);
        var log = new ListTaskLog();
        var result = await backend.Runner().RunAsync(request, log, default);
        Assert.IsTrue(result.Success, string.Join("\n", log.Errors));
        var warning = log.Warnings.Single(w => w.Code == ErrorCodes.CredentialsInLoggedProperty);
        StringAssert.Contains(warning.Message, CondaChannels.ChannelsVariable);
        Assert.IsFalse(log.Warnings.Concat(log.Errors).Any(w => w.Message.Contains(Token, StringComparison.Ordinal)));
        Assert.IsFalse(backend.Runs.Any(r => r.Command?.Any(a => a.Contains(Token, StringComparison.Ordinal)) == true));
        Assert.IsTrue(backend.Runs[0].Secrets!.Files["mambarc"].Contains(Token, StringComparison.Ordinal), "micromamba gets it through the step's volume");
    }

    [TestMethod]
    public void A_channel_token_is_not_part_of_the_up_to_date_fingerprint()
    {
        var request = InProject();
        request.CondaPackages.Add(Data("numpy"));
        request.CondaChannels = $"https://conda.example.com/t/{Token}/private;conda-forge";
        var first = UpToDate.Fingerprint(request);
        request.CondaChannels = "https://conda.example.com/t/another-token/private;conda-forge";
        Assert.AreEqual(first, UpToDate.Fingerprint(request), "a new token in the property");
        request.CondaChannels = "https://conda.example.com/t/another-token/other;conda-forge";
        Assert.AreNotEqual(first, UpToDate.Fingerprint(request), "another channel");
        request.CondaChannels = null;
        string WithVariable(string channels)
        {
            Environment.SetEnvironmentVariable(CondaChannels.ChannelsVariable, channels);
            try { return UpToDate.Fingerprint(request); }
            finally { Environment.SetEnvironmentVariable(CondaChannels.ChannelsVariable, null); }
        }
        Assert.AreEqual(WithVariable($"https://conda.example.com/t/{Token}/private"), WithVariable("https://conda.example.com/t/x-token/private"), "a new token in the variable");
        Assert.AreNotEqual(WithVariable("conda-forge"), WithVariable("bioconda"), "the variable's channels count");
    }

    [TestMethod]
    public void The_default_base_follows_ImagePythonVersion_within_debian_slims_versions()
    {
        var request = InProject();
        request.BaseImage = null;
        foreach (var version in DefinitionMapper.SupportedPythonVersions)
        {
            request.PythonVersion = version;
            Assert.AreEqual($"python:{version}-slim-bookworm", DefinitionMapper.Map(request).Definition.BaseImage.ToString().Split('/')[^1]);
        }
        CollectionAssert.AreEqual(new[] { "3.10", "3.11", "3.12", "3.13", "3.14" }, DefinitionMapper.SupportedPythonVersions.ToArray());
        foreach (var bad in new[] { "3.9", "3.15", "2.7", "3", "3.12; reboot" })
        {
            request.PythonVersion = bad;
            var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
            Assert.AreEqual(ErrorCodes.UnsupportedPythonVersion, e.Code);
            StringAssert.Contains(e.Message, $"\"{bad}\"");
            StringAssert.Contains(e.Message, "3.10, 3.11, 3.12, 3.13, 3.14");
        }
        request.BaseImage = "localhost:5000/python:3.9-slim";
        request.PythonVersion = "3.9";
        Assert.AreEqual(ImageReference.Parse("localhost:5000/python:3.9-slim"), DefinitionMapper.Map(request).Definition.BaseImage, "a base given is not the default's business");
    }

    [TestMethod]
    public void ImagePythonBuildTools_adds_modals_compilers_as_an_apt_step_before_the_other_steps()
    {
        var request = InProject();
        request.PipPackages.Add(Data("imgt-colors"));
        request.CondaPackages.Add(Data("numpy"));
        var without = DefinitionMapper.Map(request);
        Assert.IsFalse(without.Definition.Steps.OfType<AptStep>().Any(), "off by default");
        request.PythonBuildTools = "true";
        var mapped = DefinitionMapper.Map(request);
        var tools = (AptStep)mapped.Definition.Steps[0];
        CollectionAssert.AreEqual(new[] { "build-essential", "gcc", "gfortran" }, tools.Packages.Select(p => p.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "apt", "conda", "pip", "config" }, mapped.Kinds.ToArray());
        request.AddPython = "3.11";
        CollectionAssert.AreEqual(new[] { "python", "apt", "conda", "pip", "config" }, DefinitionMapper.Map(request).Kinds.ToArray(), "Python first, as ImageAddPython says");
        request.PythonBuildTools = "maybe";
        Assert.AreEqual(ErrorCodes.InvalidMetadata, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
    }
}
