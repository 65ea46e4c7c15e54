using ImageTasks.Definition;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class UrlCredentialsTests
{
    [TestMethod]
    [DataRow("https://user:s3cret@pkgs.example.com/simple/", "https://pkgs.example.com/simple/")]
    [DataRow("https://token@pkgs.example.com:8443/simple", "https://pkgs.example.com:8443/simple")]
    [DataRow("https://pkgs.example.com/simple", "https://pkgs.example.com/simple")]
    public void Redact_removes_user_information(string url, string expected)
    {
        Assert.AreEqual(expected, UrlCredentials.Redact(url));
        Assert.AreEqual(url != expected, UrlCredentials.Has(url));
    }

    [TestMethod]
    public void Credentials_go_to_a_secret_file_not_to_the_command_line()
    {
        var step = new PipStep([PipPackage.Create("pandas")], new PipOptions { IndexUrl = "https://u:pw@pkgs.example.com/simple", ExtraIndexUrls = ["https://pkgs.example.com/extra"] });
        var argv = string.Join(" ", Engine.StepCommands.For(step)!);
        Assert.IsFalse(argv.Contains("pw@"), argv);
        Assert.IsFalse(argv.Contains("--index-url"), "all URL options go to the config file together");
        var secrets = Engine.StepCommands.SecretsFor(step);
        Assert.IsNotNull(secrets);
        StringAssert.Contains(secrets.Files["pip.conf"], "index-url = https://u:pw@pkgs.example.com/simple");
        Assert.IsFalse(secrets.ToString().Contains("pw"), "ToString never shows the content");
        Assert.IsNull(Engine.StepCommands.SecretsFor(new PipStep([PipPackage.Create("pandas")], new PipOptions { IndexUrl = "https://pkgs.example.com/simple" })));
    }
}
