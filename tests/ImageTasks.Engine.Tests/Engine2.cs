using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The test bed's second engine, which the fault tests kill and restart: started when it is not running.</summary>
public static class Engine2
{
    public static void Start()
    {
        var (code, _, stderr) = TestBed.Run("bash", [Path.Combine(TestBed.RepoRoot, "tests", "testbed", "testbed.sh"), "engine2"],
            environment: new Dictionary<string, string?> { ["IMAGETASKS_TESTBED_DIR"] = Path.GetDirectoryName(Path.GetDirectoryName(TestBed.Engine2PidFile)) });
        Assert.AreEqual(0, code, "testbed.sh engine2: " + stderr);
    }
}
