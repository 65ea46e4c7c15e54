using System.Text.Json;
using Json.Schema;

namespace ImageTasks.Tests;

/// <summary>Validates a bill of materials against the vendored CycloneDX 1.5 JSON schema (tests/Shared/cyclonedx), with
/// JsonSchema.Net, formats included (date-time, iri-reference...).</summary>
internal static class CycloneDxSchema
{
    static readonly Lazy<JsonSchema> Bom = new(() =>
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "cyclonedx");
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        foreach (var name in new[] { "spdx.schema.json", "jsf-0.82.schema.json" })
            JsonSchema.FromFile(Path.Combine(folder, name), options);
        return JsonSchema.FromFile(Path.Combine(folder, "bom-1.5.schema.json"), options);
    });

    /// <summary>Every error the schema finds (location: message); empty when the document is valid.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Bom.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid) return [];
        return (result.Details ?? [result]).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}")).DefaultIfEmpty("invalid").ToList();
    }
}
