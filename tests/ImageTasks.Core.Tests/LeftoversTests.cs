using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ImageTasks.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Core.Tests;

/// <summary>Which build containers and secrets volumes the start of a build removes (their names carry their owner).</summary>
[TestClass]
public sealed class LeftoversTests
{
    static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    static bool Remove(string name, bool inUse = false, double hoursOld = 0, bool inUseHere = false)
        => Leftovers.ShouldRemove(name, inUse, Now.AddHours(-hoursOld), Now, _ => inUseHere);

    [TestMethod]
    public void A_name_carries_its_owner()
    {
        var name = BuildOwner.Current.NewName("imagetasks-build-imagetasks-test-0123456789ab-");
        Assert.AreEqual(BuildOwner.Current, BuildOwner.FromName(name));
        Assert.IsNull(BuildOwner.FromName("imagetasks-build-0123456789abcdef"), "an older version's name has no owner");
        Assert.IsNull(BuildOwner.FromName("imagetasks-build-imagetasks-test-0123456789ab-0123456789abcdef"));
    }

    [TestMethod]
    public void This_process_keeps_what_a_build_of_it_uses_and_removes_the_rest()
    {
        var name = BuildOwner.Current.NewName("imagetasks-build-");
        Assert.IsFalse(Remove(name, inUse: true, inUseHere: true));
        Assert.IsTrue(Remove(name, inUse: true, inUseHere: false), "a build of this process that ended (its engine died) could not remove it");
    }

    [TestMethod]
    public void Another_live_process_keeps_its_own_and_a_dead_one_loses_them()
    {
        using var other = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var owner = BuildOwner.OfProcess(other.Id)!;
            var name = owner.NewName("imagetasks-secrets-");
            Assert.IsFalse(Remove(name, hoursOld: 100), "a live build's, however old");
            other.Kill();
            other.WaitForExit();
            Assert.IsTrue(Remove(name), "a killed build's, at once");
            Assert.IsTrue(Remove((owner with { Start = "00000000" }).NewName("imagetasks-build-")), "a pid reused by another process is another owner");
        }
        finally
        {
            if (!other.HasExited) other.Kill();
        }
    }

    [TestMethod]
    public void Another_hosts_or_an_unowned_name_goes_by_age()
    {
        foreach (var name in new[] { (BuildOwner.Current with { Host = "ffffffff" }).NewName("imagetasks-build-"), "imagetasks-build-0123456789abcdef" })
        {
            Assert.IsFalse(Remove(name, inUse: false, hoursOld: 0.5));
            Assert.IsTrue(Remove(name, inUse: false, hoursOld: 2), "stopped or unused for an hour");
            Assert.IsFalse(Remove(name, inUse: true, hoursOld: 12), "running: a step may be long");
            Assert.IsTrue(Remove(name, inUse: true, hoursOld: 25), "running for a day");
        }
    }

    [TestMethod]
    public void The_start_is_the_hash_the_test_bed_computes()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("Linux only");
        // tests/testbed/testbed.sh: sha256("<boot id>/<field 22 of /proc/<pid>/stat>"), first 8 hex digits
        var stat = File.ReadAllText($"/proc/{Environment.ProcessId}/stat");
        var ticks = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{boot}/{ticks}")))[..8].ToLowerInvariant();
        Assert.AreEqual(hash, BuildOwner.Current.Start);
    }
}
