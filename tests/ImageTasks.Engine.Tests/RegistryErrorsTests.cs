using ImageTasks.Backend.Registry;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The wording of a registry's refusal; no engine needed.</summary>
[TestClass]
public sealed class RegistryErrorsTests
{
    [TestMethod]
    public void Credentials_from_the_first_place_looked_do_not_give_an_empty_list()
    {
        var credential = new RegistryCredential("u", "p", false, "the environment variables IMAGETASKS_REGISTRY_USER and IMAGETASKS_REGISTRY_PASSWORD");
        var error = RegistryErrors.Unauthorized(RegistryOperation.Push, "registry.example.com/app:1", new CredentialLookup("registry.example.com", credential, []), "unauthorized");
        Assert.IsFalse(error.Message.Contains("looked for in: .", StringComparison.Ordinal), error.Message);
        StringAssert.Contains(error.Message, "no other place was looked at");
    }
}
