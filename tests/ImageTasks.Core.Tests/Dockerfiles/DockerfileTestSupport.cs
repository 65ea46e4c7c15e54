using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Engine;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests.Dockerfiles;

/// <summary>A context folder in a temporary directory and plans of Dockerfiles in it, with made-up base images.</summary>
internal sealed class DockerfileContext : IDisposable
{
    public DockerfileContext() => Directory = System.IO.Directory.CreateTempSubdirectory("imagetasks-context-").FullName;

    public string Directory { get; }

    public static readonly ImageConfig DebianConfig = new() { Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd = ["bash"] };

    public static StageImage Image(string name) => new("sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(name))).ToLowerInvariant(), DebianConfig);

    public string Write(string relative, string content)
    {
        var path = Path.Combine(Directory, relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public DockerfileProgram Program(string dockerfile, IReadOnlyDictionary<string, string>? buildArgs = null, string? target = null) =>
        DockerfileProgram.Parse(dockerfile, "Dockerfile", new DockerfileOptions
        {
            ContextDirectory = Directory,
            BuildArgs = buildArgs ?? new Dictionary<string, string>(),
            Target = target,
        });

    public DockerfilePlan Plan(string dockerfile, IReadOnlyDictionary<string, string>? buildArgs = null, string? target = null) =>
        DockerfilePlanner.Plan(Program(dockerfile, buildArgs, target), BuildContext.Load(Directory), Image, "cache", new FileDigester(), new PlanOptions());

    public string[] Keys(string dockerfile, IReadOnlyDictionary<string, string>? buildArgs = null) =>
        Plan(dockerfile, buildArgs).Stages.SelectMany(s => s.Plan.Steps.Select(p => p.Key)).ToArray();

    public IReadOnlyList<BuildStep> Steps(string dockerfile, IReadOnlyDictionary<string, string>? buildArgs = null) =>
        Plan(dockerfile, buildArgs).Target.Definition.Definition.Steps;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
