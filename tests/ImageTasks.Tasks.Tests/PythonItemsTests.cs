using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>PipPackage's PEP 508 forms, PipRequirements and PipProject items mapped to steps; bad values refused
/// before anything connects.</summary>
[TestClass]
public sealed class PythonItemsTests
{
    string _dir = null!;

    [TestInitialize]
    public void Start() => _dir = Directory.CreateTempSubdirectory("imagetasks-items-").FullName;

    [TestCleanup]
    public void Stop() => Directory.Delete(_dir, recursive: true);

    Protocol.ImageRequest InProject()
    {
        var request = Request();
        request.ProjectDirectory = _dir;
        return request;
    }

    /// <summary>A request in a project with requirements.txt (imgt-colors) and this pyproject.toml.</summary>
    Protocol.ImageRequest WithPythonFiles(string pyproject)
    {
        File.WriteAllText(Path.Combine(_dir, "requirements.txt"), "imgt-colors\n");
        File.WriteAllText(Path.Combine(_dir, "pyproject.toml"), pyproject);
        return InProject();
    }

    [TestMethod]
    public void PipPackage_takes_every_requirement_form_and_metadata()
    {
        var request = InProject();
        File.WriteAllText(Path.Combine(_dir, "mylib-1.0-py3-none-any.whl"), "w");
        request.PipPackages.Add(Data("imgt-greeting[fancy]>=1.0; python_version < \"3.12\""));
        request.PipPackages.Add(Data("imgt-colors", "Version=[1.0,2.0)", "Marker=sys_platform == 'linux'"));
        request.PipPackages.Add(Data("tool", "Url=https://files.example.com/tool-1.0-py3-none-any.whl"));
        request.PipPackages.Add(Data("mylib-1.0-py3-none-any.whl"));
        var pip = (PipStep)DefinitionMapper.Map(request).Definition.Steps[0];
        CollectionAssert.AreEqual(new[]
        {
            "imgt-greeting[fancy]>=1.0; python_version < \"3.12\"",
            "imgt-colors>=1.0,<2.0; sys_platform == \"linux\"",
            "tool @ https://files.example.com/tool-1.0-py3-none-any.whl",
            StepVolume.LocalPackages + "/mylib-1.0-py3-none-any.whl",
        }, pip.Packages.Select(p => p.Requirement).ToArray());
    }

    [TestMethod]
    [DataRow("x; rm -rf /", ErrorCodes.InvalidPipVersion)]
    [DataRow("rm -rf /", ErrorCodes.InvalidPipName)]
    [DataRow("x; python_version <> '3'", ErrorCodes.InvalidPipVersion)]
    [DataRow("x @ https://example.com/x.whl|sh", ErrorCodes.InvalidPipName)]
    [DataRow("wheels/not-a-wheel.txt", ErrorCodes.InvalidLocalPipPackage)]
    public void A_bad_PipPackage_is_refused_before_anything_runs(string include, string code)
    {
        var request = InProject();
        request.PipPackages.Add(Data(include));
        Assert.AreEqual(code, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
    }

    [TestMethod]
    public void A_requirement_with_its_own_specifier_and_a_Version_is_refused()
    {
        var request = InProject();
        request.PipPackages.Add(Data("x>=1", "Version=2.0"));
        Assert.AreEqual(ErrorCodes.InvalidMetadata, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
    }

    [TestMethod]
    public void PipRequirements_and_PipProject_are_pip_steps_with_the_pip_options()
    {
        var request = WithPythonFiles("[project]\ndependencies = [\"imgt-colors\"]\n[project.optional-dependencies]\ndev = [\"imgt-greeting\"]\n");
        request.PipIndexUrl = "https://pypi.example.com/simple";
        request.PipRequirements.Add(Data("requirements.txt", "Pre=true"));
        request.PipProjects.Add(Data("pyproject.toml", "OptionalDependencies=dev"));
        var mapped = DefinitionMapper.Map(request);
        var requirements = (PipRequirementsStep)mapped.Definition.Steps[0];
        Assert.AreEqual(Path.Combine(_dir, "requirements.txt"), requirements.RequirementsFile);
        Assert.IsTrue(requirements.Options.Pre);
        Assert.AreEqual("https://pypi.example.com/simple", requirements.Options.IndexUrl);
        var project = (PipStep)mapped.Definition.Steps[1];
        CollectionAssert.AreEqual(new[] { "imgt-colors", "imgt-greeting" }, project.Packages.Select(p => p.Requirement).ToArray());
        CollectionAssert.AreEqual(new[] { "pip", "pip", "config" }, mapped.Kinds.ToArray());
    }

    [TestMethod]
    public void At_one_Order_pip_packages_come_before_requirements_files_and_pyproject_files()
    {
        var request = WithPythonFiles("[project]\ndependencies = [\"imgt-greeting\"]\n");
        request.AddPython = "3.11";
        request.PipProjects.Add(Data("pyproject.toml"));
        request.PipRequirements.Add(Data("requirements.txt"));
        request.PipPackages.Add(Data("a"));
        request.PipPackages.Add(Data("b", "Pre=true"));
        request.PipPackages.Add(Data("early", "Order=150"));
        var steps = DefinitionMapper.Map(request).Definition.Steps;
        CollectionAssert.AreEqual(new[] { "add python 3.11", "pip install early", "pip install a", "pip install b", "pip install -r requirements.txt", "pip install imgt-greeting" },
            steps.Take(6).Select(s => s.Summary).ToArray());
    }

    [TestMethod]
    public void A_PipProject_without_dependencies_is_refused()
    {
        File.WriteAllText(Path.Combine(_dir, "pyproject.toml"), "[project]\nname = \"x\"\n");
        var request = InProject();
        request.PipProjects.Add(Data("pyproject.toml"));
        Assert.AreEqual(ErrorCodes.NoPipRequirements, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
    }
}
