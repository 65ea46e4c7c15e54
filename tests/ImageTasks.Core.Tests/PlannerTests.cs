using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class PlannerTests
{
    private const string BaseId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly ImageReference Base = ImageReference.Parse("python:3.12-slim");

    private static BuildStep[] Steps() =>
    [
        new AptStep([new AptPackage("curl"), new AptPackage("libssl-dev", "3.0.2-1")]),
        new PipStep([PipPackage.Create("pandas", "[2.0,3.0)"), PipPackage.Create("numpy")], new PipOptions { IndexUrl = "https://pypi.example.com/simple" }),
        new ShellStep(["echo one", "echo two"]),
        new ConfigStep { Environment = [new("A", "1"), new("B", "2")], ExposedPorts = ["80", "443"], Command = ["python", "app.py"] },
    ];

    private static string[] Keys(IEnumerable<BuildStep> steps, string baseId = BaseId, PlanOptions? options = null) =>
        Planner.Plan(new ImageDefinition(Base, steps), baseId, new FileDigester(), options).Steps.Select(s => s.Key).ToArray();

    private static BuildStep[] Replace(int index, BuildStep step)
    {
        var steps = Steps();
        steps[index] = step;
        return steps;
    }

    /// <summary>Asserts that keys before <paramref name="from"/> are equal and every key from it on differs.</summary>
    private static void AssertChangedFrom(int from, string[] before, string[] after)
    {
        Assert.HasCount(before.Length, after);
        for (var i = 0; i < before.Length; i++)
            if (i < from) Assert.AreEqual(before[i], after[i], $"step {i} changed");
            else Assert.AreNotEqual(before[i], after[i], $"step {i} kept its key");
    }

    [TestMethod]
    public void Keys_are_stable_and_chained()
    {
        var plan = Planner.Plan(new ImageDefinition(Base, Steps()), BaseId, new FileDigester());
        CollectionAssert.AreEqual(plan.Steps.Select(s => s.Key).ToArray(), Keys(Steps()));
        Assert.AreEqual(BaseId, plan.BaseKey);
        Assert.AreEqual(BaseId, plan.Steps[0].ParentKey);
        for (var i = 1; i < plan.Steps.Count; i++) Assert.AreEqual(plan.Steps[i - 1].Key, plan.Steps[i].ParentKey);
        Assert.AreEqual(plan.Steps[^1].Key, plan.FinalKey);
        Assert.IsTrue(plan.Steps.All(s => System.Text.RegularExpressions.Regex.IsMatch(s.Key, "^[0-9a-f]{64}$")));
        Assert.AreEqual(4, plan.Steps.Select(s => s.Key).Distinct().Count());
    }

    [TestMethod]
    public void Key_is_pinned()
    {
        // The same on every machine and in every run; a change here changes every user's cache: bump BuilderVersion.
        var key = Keys([new ShellStep(["echo hello"])])[0];
        Assert.AreEqual(PinnedShellKey, key);
    }

    // SHA-256 over the length-prefixed fields (4-byte big-endian length, UTF-8): "imagetasks-layer-v2", the base id,
    // "sh", "1", "echo hello", "0" (no file entries); checked independently with Python's hashlib.
    private const string PinnedShellKey = "49f869ef834b441929f6b7bf48b26bfcfc749eb01ded65bbc3e95b1bd2c7dd7a";

    [TestMethod]
    public void Empty_definition_plans_to_the_base() =>
        Assert.AreEqual(BaseId, Planner.Plan(new ImageDefinition(Base, []), BaseId, new FileDigester()).FinalKey);

    [TestMethod]
    public void Reordering_packages_keeps_keys()
    {
        var reordered = Replace(0, new AptStep([new AptPackage("libssl-dev", "3.0.2-1"), new AptPackage("curl")]));
        reordered[1] = new PipStep([PipPackage.Create("numpy"), PipPackage.Create("pandas", ">=2.0,<3.0")], new PipOptions { IndexUrl = "https://pypi.example.com/simple" });
        CollectionAssert.AreEqual(Keys(Steps()), Keys(reordered));
    }

    [TestMethod]
    public void Pip_names_compare_normalized() =>
        Assert.AreEqual(Keys([new PipStep([PipPackage.Create("Typing_Extensions")])])[0], Keys([new PipStep([PipPackage.Create("typing-extensions")])])[0]);

    [TestMethod]
    [DataRow("https://PyPI.Example.com/simple", "https://user:token@PyPI.Example.com/simple")]
    [DataRow("https://pypi.example.com:443/simple", "https://user:token@pypi.example.com:443/simple")]
    [DataRow("https://Files.Example.com/wheels/?token=", "https://Files.Example.com/wheels/?token=abcdef")]
    public void Adding_credentials_to_a_url_keeps_the_key(string plain, string withCredentials)
    {
        string Key(string url) => Keys([new PipStep([PipPackage.Create("numpy")], new PipOptions { IndexUrl = url, ExtraIndexUrls = [url], FindLinks = [url] })])[0];
        Assert.AreEqual(Key(plain), Key(withCredentials));
    }

    [TestMethod]
    public void Specifier_clauses_in_another_order_keep_the_key() =>
        Assert.AreEqual(Keys([new PipStep([PipPackage.Create("pandas", ">=2.0,<3.0")])])[0], Keys([new PipStep([PipPackage.Create("pandas", "<3.0,>=2.0")])])[0]);

    [TestMethod]
    public void Ports_compare_as_the_engine_stores_them() =>
        Assert.AreEqual(Keys([new ConfigStep { ExposedPorts = ["80", "53/udp"] }])[0], Keys([new ConfigStep { ExposedPorts = ["80/tcp", "53/udp"] }])[0]);

    [TestMethod]
    public void Reordering_what_is_ordered_changes_the_key()
    {
        AssertChangedFrom(2, Keys(Steps()), Keys(Replace(2, new ShellStep(["echo two", "echo one"]))));
        AssertChangedFrom(3, Keys(Steps()), Keys(Replace(3, new ConfigStep { Environment = [new("B", "2"), new("A", "1")], ExposedPorts = ["80", "443"], Command = ["python", "app.py"] })));
        AssertChangedFrom(1, Keys(Steps()), Keys(Replace(1, new PipStep([PipPackage.Create("pandas", "[2.0,3.0)"), PipPackage.Create("numpy")],
            new PipOptions { IndexUrl = "https://pypi.example.com/simple", ExtraOptions = ["--no-deps"] }))));
    }

    [TestMethod]
    public void Port_order_does_not_matter() =>
        CollectionAssert.AreEqual(Keys(Steps()), Keys(Replace(3, new ConfigStep { Environment = [new("A", "1"), new("B", "2")], ExposedPorts = ["443", "80"], Command = ["python", "app.py"] })));

    [TestMethod]
    public void Empty_and_missing_lists_differ() =>
        Assert.AreNotEqual(Keys([new ConfigStep { Command = [] }])[0], Keys([new ConfigStep()])[0]);

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void Editing_a_step_changes_its_key_and_every_later_one(int index)
    {
        BuildStep edited = index switch
        {
            0 => new AptStep([new AptPackage("curl"), new AptPackage("libssl-dev", "3.0.2-2")]),
            1 => new PipStep([PipPackage.Create("pandas", "[2.0,3.0)"), PipPackage.Create("numpy")], new PipOptions { IndexUrl = "https://pypi.example.com/simple", Pre = true }),
            2 => new ShellStep(["echo one", "echo two!"]),
            _ => new ConfigStep { Environment = [new("A", "1"), new("B", "2")], ExposedPorts = ["80", "443"], Command = ["python", "main.py"] },
        };
        AssertChangedFrom(index, Keys(Steps()), Keys(Replace(index, edited)));
    }

    [TestMethod]
    public void Changing_the_base_changes_every_key() =>
        AssertChangedFrom(0, Keys(Steps()), Keys(Steps(), BaseId.Replace('1', '2')));

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    [DataRow(3)]
    public void Force_rebuilds_that_step_and_every_later_one_under_the_same_keys(int index)
    {
        var steps = Steps();
        steps[index] = steps[index] with { Force = true };
        var plan = Planner.Plan(new ImageDefinition(Base, steps), BaseId, new FileDigester());
        // the keys stay: the engine moves their tags to the rebuilt layers, where the next unforced build finds them
        CollectionAssert.AreEqual(Keys(Steps()), plan.Steps.Select(s => s.Key).ToArray());
        CollectionAssert.AreEqual(Enumerable.Range(0, steps.Length).Select(i => i >= index).ToArray(), plan.Steps.Select(s => s.Forced).ToArray());
    }

    [TestMethod]
    public void Force_all_forces_every_step_and_keeps_every_key()
    {
        var plan = Planner.Plan(new ImageDefinition(Base, Steps()), BaseId, new FileDigester(), new PlanOptions { ForceAll = true });
        CollectionAssert.AreEqual(Keys(Steps()), plan.Steps.Select(s => s.Key).ToArray());
        Assert.IsTrue(plan.Steps.All(s => s.Forced));
    }
}
