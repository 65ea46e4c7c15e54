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
    [DataRow("https://pkgs.example.com/simple?token=s3cret&a=b", "https://pkgs.example.com/simple?token=&a=")]
    [DataRow("https://u:pw@pkgs.example.com/simple?token=s3cret", "https://pkgs.example.com/simple?token=")]
    public void Redact_removes_user_information(string url, string expected)
    {
        Assert.AreEqual(expected, UrlCredentials.Redact(url));
        Assert.AreEqual(url != expected, UrlCredentials.Has(url));
    }

    [TestMethod]
    public void Credentials_go_to_a_secret_file_not_to_the_command_line()
    {
        var step = new PipStep([PipPackage.Create("pandas")], new PipOptions { IndexUrl = "https://u:pw@pkgs.example.com/simple", ExtraIndexUrls = ["https://pkgs.example.com/extra"] });
        var argv = string.Join(" ", Engine.StepCommands.Pip(step));
        Assert.IsFalse(argv.Contains("pw@"), argv);
        Assert.IsFalse(argv.Contains("--index-url"), "all URL options go to the config file together");
        var secrets = Engine.StepCommands.PipSecrets(step);
        Assert.IsNotNull(secrets);
        StringAssert.Contains(secrets.Files["pip.conf"], "index-url = https://u:pw@pkgs.example.com/simple");
        Assert.IsFalse(secrets.ToString().Contains("pw"), "ToString never shows the content");
        Assert.IsNull(Engine.StepCommands.PipSecrets(new PipStep([PipPackage.Create("pandas")], new PipOptions { IndexUrl = "https://pkgs.example.com/simple" })));
    }

    [TestMethod]
    public void A_query_string_token_goes_to_the_secret_file_is_masked_in_output_and_stays_out_of_the_key()
    {
        PipStep Step(string token) => new([PipPackage.Create("pandas")], new PipOptions { IndexUrl = $"https://pkgs.example.com/simple?token={token}" });
        var argv = string.Join(" ", Engine.StepCommands.Pip(Step("s3cr3t-value")));
        Assert.IsFalse(argv.Contains("s3cr3t-value"), argv);
        var secrets = Engine.StepCommands.PipSecrets(Step("s3cr3t%2Dvalue"))!;
        StringAssert.Contains(secrets.Files["pip.conf"], "?token=s3cr3t%2Dvalue");
        // pip prints "Looking in indexes: <url>" with the query string in full
        Assert.AreEqual("Looking in indexes: https://pkgs.example.com/simple?token=***", secrets.Mask("Looking in indexes: https://pkgs.example.com/simple?token=s3cr3t%2Dvalue"));
        Assert.AreEqual("token s3cr3t-value" is var decoded ? "token ***" : "", secrets.Mask(decoded), "the decoded value is masked too");

        string Key(PipStep step) => Planning.Planner.Plan(new ImageDefinition(ImageReference.Parse("python"), [step]), "sha256:1", new Planning.FileDigester()).Steps[0].Key;
        Assert.AreEqual(Key(Step("one-token")), Key(Step("another-token")), "a new token rebuilds nothing");
    }
}
