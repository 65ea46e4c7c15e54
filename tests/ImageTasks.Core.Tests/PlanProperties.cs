using CsCheck;
using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <summary>
/// Property: random mutations of random definitions (every step kind, files on the real file system digested through
/// one index per case, the base, force), each checked against a model of which layer keys must change, written here
/// from the semantics: a change at step j changes keys j..n-1 and none below; a change the image cannot see (package
/// order, mtimes, the project's folder, credentials, force) changes no key; Forced is set from the first forced step on.
/// </summary>
/// <remarks>Sets Unix modes on test files, so runs where the build does (Linux). Reproduce a failure with the seed
/// CsCheck prints: set CsCheck_Seed, or put it in <see cref="FixedSeed"/>.</remarks>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PlanProperties
{
    private const int Cases = 120, MutationsPerCase = 12, StepKinds = 10;
    /// <summary>The first case of every run; the others come from CsCheck's random seeds.</summary>
    private const string FixedSeed = "8GC_OkRmnmK2";
    private static readonly ImageReference Base = ImageReference.Parse("python:3.12-slim");
    private static int s_mutations;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> s_kinds = new();

    private sealed record Case(int Seed, (int Kind, int Seed)[] Steps, (int Target, int Seed)[] Mutations)
    {
        public override string ToString() =>
            $"seed {Seed}, steps [{string.Join(" ", Steps.Select(s => $"{s.Kind}/{s.Seed}"))}], mutations [{string.Join(" ", Mutations.Select(m => $"{m.Target}/{m.Seed}"))}]";
    }

    private static readonly Gen<Case> CaseGen = Gen.Select(Gen.Int,
        // kinds past the last are copy steps again: files have the most ways to change
        Gen.Select(Gen.Int[0, StepKinds + 2], Gen.Int).Array[1, 7],
        Gen.Select(Gen.Int[0, 99], Gen.Int).Array[MutationsPerCase],
        (seed, steps, mutations) => new Case(seed, steps, mutations));

    [TestMethod]
    public void Keys_change_exactly_where_the_definition_changes()
    {
        var root = Directory.CreateTempSubdirectory("imagetasks-props-").FullName;
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            s_mutations = 0;
            s_kinds.Clear();
            CaseGen.Sample(c =>
            {
                using var world = new World(Path.Combine(root, Guid.NewGuid().ToString("N")), c);
                world.Run();
            }, seed: Environment.GetEnvironmentVariable("CsCheck_Seed") ?? FixedSeed, iter: Cases, threads: 2, print: c => c.ToString());
            Console.WriteLine($"{s_mutations} mutations in {started.Elapsed.TotalSeconds:F1} s:");
            foreach (var (kind, count) in s_kinds.OrderBy(k => k.Key, StringComparer.Ordinal)) Console.WriteLine($"  {count,4} {kind}");
            Assert.IsGreaterThanOrEqualTo(1000, s_mutations);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>A copy step as the test keeps it: host paths relative to the project folder, which moves.</summary>
    private sealed record CopySpec(string Dir, bool Tree, string? TreeTarget, string? File, string? FileTarget, string Destination,
        string? Mode, string? Owner, string? Into, bool Force);

    private sealed record ExtractSpec(string File, string Destination, bool Force);

    /// <summary>A requirements file in folder Dir with an -r include, a -c include and a file it does not name.</summary>
    private sealed record RequirementsSpec(string Dir, string Include, bool Force);

    /// <summary>Leaves out files named ignored* (as a .dockerignore would): they are no part of any layer.</summary>
    private sealed class IgnoreFilter : ICopyFilter
    {
        public static bool Ignored(string path) => Path.GetFileName(path).StartsWith("ignored", StringComparison.Ordinal);
        public bool Excludes(string hostPath) => Ignored(hostPath);
        public bool MayReinclude(string hostFolder) => false;
    }

    private sealed class World(string folder, Case c) : IDisposable
    {
        private readonly Random _r = new(c.Seed);
        private readonly List<object> _steps = [];
        private readonly string _index = Path.Combine(folder, "obj", "files.index");
        private string _root = Path.Combine(folder, "p0");
        private string _baseId = BaseId(0);
        private bool _forceAll;
        private string[] _keys = [];
        private int _unique;

        public void Dispose() => Directory.Delete(folder, recursive: true);

        private static string BaseId(int n) => "sha256:" + n.ToString("x64");
        private string U(string prefix) => prefix + _unique++;

        public void Run()
        {
            Directory.CreateDirectory(_root);
            foreach (var (kind, seed) in c.Steps) _steps.Add(NewStep(kind, new Random(seed)));
            _keys = Check(null, "first plan");
            foreach (var (target, seed) in c.Mutations)
            {
                var r = new Random(seed);
                string what;
                int? from;
                if (target < 85)
                {
                    var i = target % _steps.Count;
                    from = Mutate(i, r, out what);
                    what = $"step {i}: {what}";
                }
                else from = MutateGlobal(target % 7, r, out what);
                _keys = Check(from, what);
                Interlocked.Increment(ref s_mutations);
                s_kinds.AddOrUpdate(System.Text.RegularExpressions.Regex.Replace(what.Split(": ", 2)[^1], @"\d+", "N"), 1, (_, n) => n + 1);
            }
        }

        private BuildStep Build(object step) => step switch
        {
            CopySpec s => new CopyStep(
                new[] { s.Tree ? new CopySource(Path.Combine(_root, s.Dir, "tree"), s.TreeTarget) { Filter = new IgnoreFilter() } : null,
                        s.File is null ? null : new CopySource(Path.Combine(_root, s.Dir, s.File), s.FileTarget) }.OfType<CopySource>(),
                s.Destination, s.Mode, s.Owner) { IntoExistingFolderAs = s.Into, Force = s.Force },
            ExtractSpec x => new ExtractStep(Path.Combine(_root, x.File), x.Destination) { Force = x.Force },
            RequirementsSpec q => new PipRequirementsStep(Path.Combine(_root, q.Dir, "requirements.txt")) { Force = q.Force },
            _ => (BuildStep)step,
        };

        /// <summary>Plans, and checks the keys against the last plan's: equal below <paramref name="from"/>, different from it on.</summary>
        private string[] Check(int? from, string what)
        {
            var steps = _steps.Select(Build).ToArray();
            // half the plans with a clock that makes no stamp racy, so the index is trusted (see Settle)
            var files = _r.Next(2) == 0 ? new FileDigester(_index) : new FileDigester(_index) { UtcNow = () => DateTime.UtcNow.AddSeconds(1) };
            var plan = Planner.Plan(new ImageDefinition(Base, steps), _baseId, files, new PlanOptions { ForceAll = _forceAll });
            var keys = plan.Steps.Select(s => s.Key).ToArray();
            for (var i = 0; i < Math.Min(keys.Length, _keys.Length); i++)
            {
                var mustChange = from is not null && i >= from;
                if (mustChange == (keys[i] == _keys[i]))
                    throw new Exception($"{(mustChange ? "false cache hit" : "false miss")} at step {i} ({steps[i].Summary}) after {what}");
            }
            for (var i = 0; i < keys.Length; i++)
            {
                var forced = _forceAll || steps.Take(i + 1).Any(s => s.Force);
                if (plan.Steps[i].Forced != forced)
                    throw new Exception($"step {i} Forced is {plan.Steps[i].Forced}, expected {forced}, after {what}");
            }
            return keys;
        }

        private int? MutateGlobal(int kind, Random r, out string what)
        {
            switch (kind)
            {
                case 0:
                    _baseId = BaseId(++_unique);
                    what = "new base image id";
                    return 0;
                case 1:
                    var i = r.Next(_steps.Count);
                    _steps[i] = _steps[i] switch
                    {
                        CopySpec s => s with { Force = !s.Force },
                        ExtractSpec x => x with { Force = !x.Force },
                        RequirementsSpec q => q with { Force = !q.Force },
                        BuildStep b => b with { Force = !b.Force },
                        _ => throw new InvalidOperationException(),
                    };
                    what = $"force toggled on step {i}";
                    return null;
                case 2:
                    _forceAll = !_forceAll;
                    what = "ForceAll toggled";
                    return null;
                case 3:
                    // the whole project folder moves (p0 <-> p1): the same relative layout under another root
                    var moved = Path.Combine(folder, _root.EndsWith("p0") ? "p1" : "p0");
                    Directory.Move(_root, moved);
                    _root = moved;
                    what = "project folder moved";
                    return null;
                case 4:
                    var at = r.Next(_steps.Count + 1);
                    _steps.Insert(at, NewStep(r.Next(StepKinds), r));
                    what = $"step inserted at {at}";
                    return at;
                case 5 when _steps.Count > 1:
                    var removed = r.Next(_steps.Count);
                    _steps.RemoveAt(removed);
                    what = $"step {removed} removed";
                    return removed;
                default:
                    what = "nothing (planned again)";
                    return null;
            }
        }

        // ---- initial steps ----

        private static readonly string[] AptNames = ["curl", "git", "libssl-dev", "ca-certificates", "jq", "make", "zlib1g-dev"];
        private static readonly string[] PipNames = ["requests", "numpy", "typing_extensions", "zope.interface", "ruamel-yaml", "Flask"];
        private static readonly string[] Destinations = ["/srv/app", "/opt/tools/", "/app", "/usr/local/share/data/"];

        private static T[] Pick<T>(Random r, IReadOnlyList<T> pool, int min, int max) =>
            pool.OrderBy(_ => r.Next()).Take(r.Next(min, max + 1)).ToArray();

        /// <summary>An https URL, sometimes with user info or a token in the query, its host sometimes in capitals.</summary>
        private string Url(Random r, string host, string path) =>
            $"https://{(r.Next(3) == 0 ? U("user") + ":" + U("tok") + "@" : "")}{(r.Next(3) == 0 ? host.ToUpperInvariant() : host)}.example.com{path}" +
            (r.Next(3) == 0 ? "?token=" + U("t") : "");

        private object NewStep(int kind, Random r) => kind switch
        {
            0 => new AptStep(Pick(r, AptNames, 1, 4).Select(n => new AptPackage(n, r.Next(2) == 0 ? null : $"1.{r.Next(9)}-1"))),
            1 => new PipStep(Pick(r, PipNames, 1, 4).Select(n => PipPackage.Create(n, new[] { null, $">={r.Next(9)}.0", $">={r.Next(9)}.0,<{10 + r.Next(9)}.0" }[r.Next(3)])), new PipOptions
            {
                IndexUrl = r.Next(2) == 0 ? null : Url(r, U("pypi"), "/simple"),
                ExtraIndexUrls = [.. Enumerable.Range(0, r.Next(3)).Select(_ => Url(r, U("extra"), "/simple/"))],
                FindLinks = [.. Enumerable.Range(0, r.Next(2)).Select(_ => Url(r, U("files"), "/wheels/"))],
                Pre = r.Next(2) == 0,
                ExtraOptions = Pick(r, ["--no-deps", "--prefer-binary", "--timeout=60"], 0, 2),
            }),
            2 => new ShellStep(Enumerable.Range(0, r.Next(1, 4)).Select(_ => "echo " + U("c"))),
            3 => new RunStep(["/bin/sh", "-c", "make " + U("t")])
            {
                Environment = [.. Enumerable.Range(0, r.Next(3)).Select(_ => KeyValuePair.Create(U("A"), U("v")))],
                CacheMounts = [.. Enumerable.Range(0, r.Next(3)).Select(_ => KeyValuePair.Create(U("cache"), "/root/.cache/" + U("c")))],
                Network = new[] { null, "none", "host" }[r.Next(3)],
            },
            4 or >= StepKinds => NewCopy(r),
            5 => new ConfigStep
            {
                Environment = [.. Enumerable.Range(0, r.Next(3)).Select(_ => KeyValuePair.Create(U("E"), U("v")))],
                WorkingDirectory = r.Next(2) == 0 ? null : "/" + U("w"),
                User = r.Next(2) == 0 ? null : "1000:1000",
                Entrypoint = r.Next(2) == 0 ? null : ["/" + U("entry")],
                Command = r.Next(2) == 0 ? null : ["run", U("x")],
                Labels = [.. Enumerable.Range(0, r.Next(2)).Select(_ => KeyValuePair.Create(U("org.label"), U("v")))],
                ExposedPorts = [.. Enumerable.Range(0, r.Next(4)).Select(_ => (1000 + _unique++) + new[] { "", "/tcp", "/udp" }[r.Next(3)])],
                Volumes = [.. Enumerable.Range(0, r.Next(3)).Select(_ => "/" + U("vol"))],
                StopSignal = r.Next(2) == 0 ? null : "SIGTERM",
                Healthcheck = r.Next(2) == 0 ? null : new Healthcheck(["CMD", "true"]) { Retries = 3 },
                Shell = r.Next(2) == 0 ? null : ["/bin/bash", "-c"],
            },
            6 => NewExtract(r),
            8 => NewRequirements(r),
            9 => NewConda(r),
            _ => new CopyFromImageStep(U("stage"), BaseId(1_000_000 + _unique++), ["/out/" + U("a")], "/app/",
                r.Next(2) == 0 ? null : "0755", r.Next(2) == 0 ? null : "1000:1000"),
        };

        private CopySpec NewCopy(Random r)
        {
            // a third of the copies copy what an earlier one copies (to another place, or the same)
            if (_steps.OfType<CopySpec>().ToArray() is { Length: > 0 } earlier && r.Next(3) == 0)
            {
                var shared = earlier[r.Next(earlier.Length)];
                return NewCopy(r, shared.Dir, shared.Tree, shared.File);
            }
            var dir = U("c");
            var tree = r.Next(3) > 0;
            var file = !tree || r.Next(2) == 0 ? U("single") + ".bin" : null;
            if (tree)
            {
                foreach (var path in Pick(r, ["a.txt", "d1/b.bin", "d1/d2/c.cfg", "e.sh", "ignored.log", "d1/ignored.tmp"], 1, 5))
                    WriteNew(Path.Combine(_root, dir, "tree", path), r);
                Directory.CreateDirectory(Path.Combine(_root, dir, "tree"));
                if (r.Next(2) == 0) Directory.CreateDirectory(Path.Combine(_root, dir, "tree", "empty"));
            }
            if (file is not null) WriteNew(Path.Combine(_root, dir, file), r);
            return NewCopy(r, dir, tree, file);
        }

        private CopySpec NewCopy(Random r, string dir, bool tree, string? file)
        {
            // with both sources the file gets a name under the destination (no two entries on one image path)
            var fileTarget = file is null ? null : tree || r.Next(2) == 0 ? U("f") : null;
            return new CopySpec(dir, tree, r.Next(3) == 0 ? "sub" : null, file, fileTarget, Destinations[r.Next(Destinations.Length)],
                new[] { null, null, "0644", "755" }[r.Next(4)], new[] { null, "1000:1000", "33:33" }[r.Next(3)],
                file is not null && r.Next(3) == 0 ? U("into") : null, false);
        }

        private RequirementsSpec NewRequirements(Random r)
        {
            // digits only: no bit flip of Rewrite makes one a path, an option or a line break (files pip reads are parsed)
            var dir = U("req");
            Directory.CreateDirectory(Path.Combine(_root, dir));
            File.WriteAllText(Path.Combine(_root, dir, "requirements.txt"), "-r base.txt\n-c ../" + dir + "-constraints.txt\n");
            foreach (var path in new[] { Path.Combine(_root, dir, "base.txt"), Path.Combine(_root, dir, "unrelated.txt"), Path.Combine(_root, dir + "-constraints.txt") })
                File.WriteAllText(path, string.Concat(Enumerable.Range(0, r.Next(1, 40)).Select(_ => (char)('0' + r.Next(10)))));
            return new RequirementsSpec(dir, "base.txt", false);
        }

        private ExtractSpec NewExtract(Random r)
        {
            var file = U("x") + ".tar";
            WriteNew(Path.Combine(_root, file), r);
            return new ExtractSpec(file, "/opt/" + U("x"), false);
        }

        private static void WriteNew(string path, Random r)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = new byte[r.Next(1, 40)];
            r.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            File.SetUnixFileMode(path, r.Next(2) == 0 ? Rw : Rw | Exec);
        }

        private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        private const UnixFileMode Exec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

        // ---- mutations of one step: true when the step's key (and so every key above) must change ----

        /// <summary>Changes step <paramref name="i"/> (or the files it copies); returns the first step whose key must change.</summary>
        private int? Mutate(int i, Random r, out string what)
        {
            if (_steps[i] is CopySpec copy)
            {
                (_steps[i], var from, what) = MutateCopy(i, copy, r);
                return from;
            }
            var (step, changes, text) = _steps[i] switch
            {
                AptStep apt => MutateApt(apt, r),
                PipStep pip => MutatePip(pip, r),
                ShellStep shell => MutateShell(shell, r),
                RunStep run => MutateRun(run, r),
                ConfigStep config => MutateConfig(config, r),
                CopyFromImageStep source => MutateCopyFrom(source, r),
                ExtractSpec extract => MutateExtract(extract, r),
                RequirementsSpec requirements => MutateRequirements(requirements, r),
                CondaStep conda => MutateConda(conda, r),
                _ => throw new InvalidOperationException(),
            };
            _steps[i] = step;
            what = text;
            return changes ? i : null;
        }

        private static T[] Shuffled<T>(IReadOnlyList<T> items, Random r)
        {
            var list = items.ToArray();
            do r.Shuffle(list); while (list.SequenceEqual(items));
            return list;
        }

        private static T[] Replace<T>(IReadOnlyList<T> items, int index, T item)
        {
            var list = items.ToArray();
            list[index] = item;
            return list;
        }

        private static readonly string[] CondaSpecs = ["numpy=1.26.*", "python 3.12.*", "scipy>=1.11", "conda-forge::xz", "pandas"];

        private string CondaTokenChannel() => $"https://conda.example.com/t/{U("tok")}/private";

        private CondaStep NewConda(Random r) => new(Pick(r, CondaSpecs, 1, 4).Select(s => new CondaPackage(s)),
            Pick(r, ["conda-forge", "bioconda", CondaTokenChannel()], 0, 3));

        private (object, bool, string) MutateConda(CondaStep conda, Random r)
        {
            var (p, c) = (conda.Packages, conda.Channels);
            CondaStep New(IEnumerable<CondaPackage>? packages = null, IEnumerable<string>? channels = null) => new(packages ?? p, channels ?? c) { Force = conda.Force };
            switch (r.Next(5))
            {
                case 0 when p.Count > 1: return (New(Shuffled(p, r)), false, "conda packages reordered");
                case 1 when c.Any(CondaChannels.HasCredentials):
                    return (New(channels: c.Select(ch => CondaChannels.HasCredentials(ch) ? CondaTokenChannel() : ch)), false, "conda channel token replaced");
                case 2 when c.Count > 1: return (New(channels: Shuffled(c, r)), true, "conda channels reordered");
                case 3 when p.Count > 1: return (New(p.Skip(1)), true, "conda package removed");
                default: return (New([.. p, new CondaPackage(U("pkg"))]), true, "conda package added");
            }
        }

        private (object, bool, string) MutateApt(AptStep apt, Random r)
        {
            var p = apt.Packages;
            AptStep New(IEnumerable<AptPackage> packages) => new(packages) { Force = apt.Force };
            switch (r.Next(4))
            {
                case 0 when p.Count > 1: return (New(Shuffled(p, r)), false, "apt packages reordered");
                case 1 when p.Count > 1: return (New(p.Skip(1)), true, "apt package removed");
                case 2:
                    var k = r.Next(p.Count);
                    return (New(Replace(p, k, p[k] with { Version = $"9.{_unique++}" })), true, "apt version changed");
                default: return (New([.. p, new AptPackage(U("pkg"))]), true, "apt package added");
            }
        }

        /// <summary>The same PEP 503 name written another way: other case, other separators.</summary>
        private static string Variant(string name, Random r) => string.Concat(name.Select(ch =>
            ch is '-' or '_' or '.' ? "-_."[r.Next(3)] : r.Next(2) == 0 ? char.ToUpperInvariant(ch) : char.ToLowerInvariant(ch)));

        /// <summary>The URL as written with other credentials: user info replaced, added or removed, the token replaced.</summary>
        private string Recredentialed(string url, Random r)
        {
            var rest = url["https://".Length..];
            if (rest.IndexOf('@') is var at and >= 0 && at < rest.IndexOf('/')) rest = rest[(at + 1)..];
            if (rest.IndexOf("?token=", StringComparison.Ordinal) is var query and >= 0) rest = rest[..(query + "?token=".Length)] + U("t");
            var user = r.Next(3) switch { 0 => "", 1 => U("u") + "@", _ => U("u") + ":" + U("secret") + "@" };
            return "https://" + user + rest;
        }

        private (object, bool, string) MutatePip(PipStep pip, Random r)
        {
            var p = pip.Packages;
            var o = pip.Options;
            PipStep New(IEnumerable<PipPackage>? packages = null, PipOptions? options = null) => new(packages ?? p, options ?? o) { Force = pip.Force };
            switch (r.Next(10))
            {
                case 0 when p.Count > 1: return (New(Shuffled(p, r)), false, "pip packages reordered");
                case 1:
                    var k = r.Next(p.Count);
                    return (New(Replace(p, k, PipPackage.Create(Variant(p[k].Name, r), p[k].Specifier))), false, "pip name written another way");
                case 2:
                    var j = r.Next(p.Count);
                    return (New(Replace(p, j, PipPackage.Create(p[j].Name, $"<{_unique++}.0"))), true, "pip specifier changed");
                case 3: return (New(options: o with { IndexUrl = Url(r, U("pypi"), "/simple") }), true, "pip index URL changed");
                case 8 when p.FirstOrDefault(q => q.Specifier?.Contains(',') == true) is { } ranged:
                    // a specifier set is a set: its clauses in another order
                    var clauses = PipPackage.Create(ranged.Name, string.Join(",", ranged.Specifier!.Split(',').Reverse()));
                    return (New(p.Select(q => q == ranged ? clauses : q)), false, "pip specifier clauses reordered");
                case 4 when o.IndexUrl is not null || o.ExtraIndexUrls.Count > 0 || o.FindLinks.Count > 0:
                    return (New(options: o with
                    {
                        IndexUrl = o.IndexUrl is null ? null : Recredentialed(o.IndexUrl, r),
                        ExtraIndexUrls = [.. o.ExtraIndexUrls.Select(u => Recredentialed(u, r))],
                        FindLinks = [.. o.FindLinks.Select(u => Recredentialed(u, r))],
                    }), false, "pip URL credentials changed");
                case 5: return (New(options: o with { Pre = !o.Pre }), true, "pip --pre toggled");
                case 6: return (New(options: o with { ExtraOptions = [.. o.ExtraOptions, $"--retries={_unique++}"] }), true, "pip option added");
                case 7 when o.ExtraIndexUrls.Count > 1: return (New(options: o with { ExtraIndexUrls = [.. o.ExtraIndexUrls.Reverse()] }), true, "pip extra indexes reordered");
                case 7: return (New(options: o with { ExtraIndexUrls = [.. o.ExtraIndexUrls, Url(r, U("extra"), "/simple/")] }), true, "pip extra index added");
                default: return (New([.. p, PipPackage.Create(U("pkg"))]), true, "pip package added");
            }
        }

        private (object, bool, string) MutateShell(ShellStep shell, Random r)
        {
            var cs = shell.Commands;
            ShellStep New(IEnumerable<string> commands) => new(commands) { Force = shell.Force };
            switch (r.Next(3))
            {
                case 0:
                    var k = r.Next(cs.Count);
                    return (New(Replace(cs, k, cs[k] + " " + U("x"))), true, "shell command text changed");
                case 1 when cs.Count > 1: return (New(cs.Reverse()), true, "shell commands reordered");
                default: return (New([.. cs, "echo " + U("c")]), true, "shell command added");
            }
        }

        private (object, bool, string) MutateRun(RunStep run, Random r)
        {
            var env = run.Environment;
            var mounts = run.CacheMounts;
            switch (r.Next(7))
            {
                case 0:
                    return (new RunStep(["/bin/sh", "-c", "make " + U("t")])
                    { Environment = env, CacheMounts = mounts, Network = run.Network, Force = run.Force }, true, "run command changed");
                case 1 when env.Count > 0:
                    var k = r.Next(env.Count);
                    return (run with { Environment = Replace(env, k, KeyValuePair.Create(env[k].Key, U("v"))) }, true, "run environment value changed");
                case 2 when mounts.Count > 0:
                    var m = r.Next(mounts.Count);
                    return (run with { CacheMounts = Replace(mounts, m, KeyValuePair.Create(mounts[m].Key, "/var/" + U("c"))) }, true, "cache mount path changed");
                case 3: return (run with { CacheMounts = [.. mounts, KeyValuePair.Create(U("cache"), "/tmp/" + U("c"))] }, true, "cache mount added");
                case 4 when mounts.Count > 1: return (run with { CacheMounts = Shuffled(mounts, r) }, false, "cache mounts reordered");
                case 5: return (run with { Network = run.Network switch { null => "none", "none" => "host", _ => null } }, true, "run network changed");
                default: return (run with { Environment = [.. env, KeyValuePair.Create(U("A"), U("v"))] }, true, "run environment variable added");
            }
        }

        private (object, bool, string) MutateConfig(ConfigStep config, Random r)
        {
            switch (r.Next(14))
            {
                case 0 when config.Environment.Count > 0:
                    var k = r.Next(config.Environment.Count);
                    return (config with { Environment = Replace(config.Environment, k, KeyValuePair.Create(config.Environment[k].Key, U("v"))) }, true, "config environment value changed");
                case 1: return (config with { WorkingDirectory = "/" + U("w") }, true, "working directory changed");
                case 2: return (config with { User = config.User == "1000:1000" ? "33:33" : "1000:1000" }, true, "user changed");
                case 3: return (config with { Entrypoint = ["/" + U("entry")] }, true, "entrypoint changed");
                case 4: return (config with { Command = ["run", U("x")] }, true, "command changed");
                case 5: return (config with { Labels = [.. config.Labels, KeyValuePair.Create(U("org.label"), U("v"))] }, true, "label added");
                case 6: return (config with { ExposedPorts = [.. config.ExposedPorts, (1000 + _unique++).ToString()] }, true, "port exposed");
                case 13 when config.ExposedPorts.FirstOrDefault(x => !x.EndsWith("/udp")) is { } port:
                    // the engine stores "80" as "80/tcp"
                    var other = port.EndsWith("/tcp") ? port[..^4] : port + "/tcp";
                    return (config with { ExposedPorts = [.. config.ExposedPorts.Select(x => x == port ? other : x)] }, false, "port written another way");
                case 7 when config.ExposedPorts.Count > 1: return (config with { ExposedPorts = Shuffled(config.ExposedPorts, r) }, false, "ports reordered");
                case 8 when config.Volumes.Count > 1: return (config with { Volumes = Shuffled(config.Volumes, r) }, false, "volumes reordered");
                case 9: return (config with { Volumes = [.. config.Volumes, "/" + U("vol")] }, true, "volume added");
                case 10: return (config with { StopSignal = config.StopSignal switch { null => "SIGTERM", "SIGTERM" => "SIGINT", _ => null } }, true, "stop signal changed");
                case 11: return (config with { Healthcheck = new Healthcheck(["CMD", "true"]) { Retries = 10 + _unique++ } }, true, "healthcheck changed");
                case 12: return (config with { Shell = ["/bin/" + U("sh"), "-c"] }, true, "shell changed");
                default: return (config with { Environment = [.. config.Environment, KeyValuePair.Create(U("E"), U("v"))] }, true, "config environment variable added");
            }
        }

        private (object, bool, string) MutateCopyFrom(CopyFromImageStep source, Random r) => r.Next(6) switch
        {
            0 => (source with { SourceKey = BaseId(2_000_000 + _unique++) }, true, "copy-from source key changed"),
            1 => (source with { Paths = [.. source.Paths, "/out/" + U("b")] }, true, "copy-from path added"),
            2 => (source with { Destination = "/" + U("d") + "/" }, true, "copy-from destination changed"),
            3 => (source with { Mode = source.Mode is null ? "0700" : null }, true, "copy-from mode changed"),
            5 when source.Mode is not null => (source with { Mode = source.Mode.StartsWith('0') ? source.Mode[1..] : "0" + source.Mode }, false, "copy-from mode written another way"),
            _ => (source with { Owner = source.Owner is null ? "33:33" : null }, true, "copy-from owner changed"),
        };

        // ---- file system mutations ----

        /// <summary>
        /// Waits until the file's last change is 30 ms old before changing it again. Half the plans use a clock that
        /// never finds a stamp racy, so two changes within one tick of the kernel's coarse clock (a few ms) could leave
        /// the same stamp; the real clock guards against that in the product, the test's clock does not.
        /// </summary>
        private static void Settle(string path)
        {
            var changed = FileStamp.Of(new FileInfo(path)).CtimeTicks + DateTime.UnixEpoch.Ticks;
            var age = TimeSpan.FromTicks(DateTime.UtcNow.Ticks - changed);
            if (age < TimeSpan.FromMilliseconds(30)) Thread.Sleep(TimeSpan.FromMilliseconds(30) - age);
        }

        /// <summary>Rewrites a file with other bytes of the same size (or one more) and puts its mtime back.</summary>
        private static void Rewrite(string path, bool sameSize, Random r)
        {
            var bytes = File.ReadAllBytes(path);
            if (sameSize) bytes[r.Next(bytes.Length)] ^= (byte)(1 << r.Next(8));
            else bytes = [.. bytes, (byte)r.Next(256)];
            var mtime = File.GetLastWriteTimeUtc(path);
            Settle(path);
            File.WriteAllBytes(path, bytes);
            File.SetLastWriteTimeUtc(path, mtime);
        }

        private static void Touch(string path, Random r)
        {
            Settle(path);
            File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1 + r.Next(100)));
        }

        private static void RewriteSameBytes(string path)
        {
            Settle(path);
            File.WriteAllBytes(path, File.ReadAllBytes(path));
        }

        /// <summary>The first copy step of <paramref name="s"/>'s files (several steps may copy the same ones) that sees a change.</summary>
        private int? FirstToSee(CopySpec s, Func<CopySpec, bool> sees) =>
            Enumerable.Range(0, _steps.Count).Where(k => _steps[k] is CopySpec c && c.Dir == s.Dir && sees(c)).Select(k => (int?)k).FirstOrDefault();

        private (object, int?, string) MutateCopy(int i, CopySpec s, Random r)
        {
            var anyStep = FirstToSee(s, _ => true);
            var dir = Path.Combine(_root, s.Dir);
            var tree = Path.Combine(dir, "tree");
            var allTreeFiles = s.Tree ? Directory.GetFiles(tree, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];
            var treeFiles = allTreeFiles.Where(f => !IgnoreFilter.Ignored(f)).ToArray();
            string[] files = [.. treeFiles, .. s.File is null ? [] : new[] { Path.Combine(dir, s.File) }];
            var folders = s.Tree ? Directory.GetDirectories(tree, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : [];
            var emptyFolders = folders.Where(f => !Directory.EnumerateFileSystemEntries(f).Any()).ToArray();
            var file = files.Length > 0 ? files[r.Next(files.Length)] : null;
            var modes = new[] { null, "0644", "0755", "0600" };
            // changes of a file's bytes, times and mode twice as often as each other change
            var change = r.Next(28);
            switch (change >= 20 ? change % 5 : change)
            {
                case 0 when file is not null:
                    Rewrite(file, sameSize: true, r);
                    return (s, anyStep, "copied file rewritten, same size, mtime restored");
                case 1 when file is not null:
                    Rewrite(file, sameSize: false, r);
                    return (s, anyStep, "copied file rewritten, one byte longer, mtime restored");
                case 2 when file is not null:
                    Touch(file, r);
                    return (s, null, "copied file touched");
                case 3 when file is not null:
                    RewriteSameBytes(file);
                    return (s, null, "copied file rewritten with the same bytes");
                case 4 when file is not null:
                    Settle(file);
                    File.SetUnixFileMode(file, File.GetUnixFileMode(file) ^ UnixFileMode.UserExecute);
                    // the step's Mode replaces every file's host mode
                    return (s, FirstToSee(s, c => c.Mode is null), $"copied file's mode changed (step mode {s.Mode ?? "none"})");
                case 5 when emptyFolders.Length > 0:
                    Directory.Delete(emptyFolders[r.Next(emptyFolders.Length)]);
                    return (s, anyStep, "empty folder removed");
                case 6 when treeFiles.Length > 0:
                    File.Delete(treeFiles[r.Next(treeFiles.Length)]);
                    return (s, anyStep, "copied file deleted");
                case 7 when treeFiles.Length > 0:
                    var renamed = treeFiles[r.Next(treeFiles.Length)];
                    File.Move(renamed, Path.Combine(Path.GetDirectoryName(renamed)!, U("renamed")));
                    return (s, anyStep, "copied file renamed");
                case 8 when folders.Length > 0:
                    var chmod = folders[r.Next(folders.Length)];
                    File.SetUnixFileMode(chmod, File.GetUnixFileMode(chmod) ^ UnixFileMode.GroupWrite);
                    return (s, anyStep, "copied folder's mode changed");
                case 9 when s.Tree:
                    WriteNew(Path.Combine(folders.Append(tree).ToArray()[r.Next(folders.Length + 1)], U("new")), r);
                    return (s, anyStep, "file added");
                case 10: return (s with { Destination = "/" + U("dest") + (r.Next(2) == 0 ? "/" : "") }, i, "copy destination changed");
                case 11 when s.Tree && (s.File is null || r.Next(2) == 0):
                    return (s with { TreeTarget = s.TreeTarget is null ? U("sub") : null }, i, "folder source's target name changed");
                case 11 when s.File is not null: return (s with { FileTarget = U("f") }, i, "file source's target name changed");
                case 12: return (s with { Mode = modes.Where(m => m?.TrimStart('0') != s.Mode?.TrimStart('0')).ToArray()[r.Next(3)] }, i, "copy mode changed");
                case 13 when s.Mode is not null: return (s with { Mode = s.Mode.StartsWith('0') ? s.Mode[1..] : "0" + s.Mode }, null, "copy mode written another way");
                case 14: return (s with { Owner = s.Owner is null ? "1000:1000" : s.Owner == "1000:1000" ? "33:33" : null }, i, "copy owner changed");
                case 15 when s.File is not null: return (s with { Into = s.Into is null ? U("into") : null }, i, "IntoExistingFolderAs changed");
                case 16 when s.File is not null:
                    var name = U("single") + ".bin";
                    File.Move(Path.Combine(dir, s.File), Path.Combine(dir, name));
                    for (var k = 0; k < _steps.Count; k++)
                        if (_steps[k] is CopySpec c && c.Dir == s.Dir) _steps[k] = c with { File = name };
                    // the host name is an image path only for a file copied into a folder destination ("/dest/")
                    return (s with { File = name }, FirstToSee(s, c => c.FileTarget is null && c.Destination.EndsWith('/')), "single file renamed on the host");
                case 18 when s.Tree:
                    var ignored = allTreeFiles.FirstOrDefault(IgnoreFilter.Ignored);
                    if (ignored is not null && r.Next(2) == 0) Rewrite(ignored, sameSize: r.Next(2) == 0, r);
                    else WriteNew(Path.Combine(folders.Append(tree).ToArray()[r.Next(folders.Length + 1)], U("ignored")), r);
                    return (s, null, "left-out file written");
                case 19 when file is not null:
                    var replacement = file + ".new";
                    File.Copy(file, replacement);
                    File.SetUnixFileMode(replacement, File.GetUnixFileMode(file));
                    File.SetLastWriteTimeUtc(replacement, File.GetLastWriteTimeUtc(file));
                    File.Move(replacement, file, overwrite: true);
                    return (s, null, "copied file replaced by a copy (same bytes, mode and mtime, another inode)");
                case 17 when folders.Length > 0:
                    Directory.SetLastWriteTimeUtc(folders[r.Next(folders.Length)], DateTime.UtcNow.AddMinutes(r.Next(1, 100)));
                    return (s, null, "copied folder touched");
                default:
                    Directory.CreateDirectory(Path.Combine(s.Tree ? tree : dir, U("empty")));
                    return (s, s.Tree ? anyStep : null, "empty folder added");
            }
        }

        private (object, bool, string) MutateRequirements(RequirementsSpec q, Random r)
        {
            var folder = Path.Combine(_root, q.Dir);
            switch (r.Next(6))
            {
                case 0:
                    Rewrite(Path.Combine(folder, q.Include), sameSize: true, r);
                    return (q, true, "requirements -r include rewritten, same size, mtime restored");
                case 1:
                    Rewrite(Path.Combine(_root, q.Dir + "-constraints.txt"), sameSize: true, r);
                    return (q, true, "requirements -c include rewritten");
                case 2:
                    Rewrite(Path.Combine(folder, "unrelated.txt"), sameSize: false, r);
                    return (q, false, "file beside requirements rewritten");
                case 3:
                    Touch(Path.Combine(folder, "requirements.txt"), r);
                    return (q, false, "requirements file touched");
                case 4:
                    Settle(Path.Combine(folder, q.Include));
                    File.SetUnixFileMode(Path.Combine(folder, q.Include), File.GetUnixFileMode(Path.Combine(folder, q.Include)) ^ UnixFileMode.UserExecute);
                    return (q, false, "requirements include's mode changed");
                default:
                    var renamed = U("inc") + ".txt";
                    File.Move(Path.Combine(folder, q.Include), Path.Combine(folder, renamed));
                    Settle(Path.Combine(folder, "requirements.txt"));
                    File.WriteAllText(Path.Combine(folder, "requirements.txt"), File.ReadAllText(Path.Combine(folder, "requirements.txt")).Replace("-r " + q.Include, "-r " + renamed, StringComparison.Ordinal));
                    return (q with { Include = renamed }, true, "requirements include renamed");
            }
        }

        private (object, bool, string) MutateExtract(ExtractSpec x, Random r)
        {
            var path = Path.Combine(_root, x.File);
            switch (r.Next(5))
            {
                case 4:
                    var renamed = U("x") + ".tar";
                    File.Move(path, Path.Combine(_root, renamed));
                    return (x with { File = renamed }, false, "archive renamed on the host");
                case 0:
                    Rewrite(path, sameSize: true, r);
                    return (x, true, "archive rewritten, same size, mtime restored");
                case 1:
                    Touch(path, r);
                    return (x, false, "archive touched");
                case 2:
                    Settle(path);
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) ^ UnixFileMode.UserExecute);
                    return (x, false, "archive's own mode changed (its entries keep theirs)");
                default: return (x with { Destination = "/opt/" + U("x") }, true, "extract destination changed");
            }
        }
    }
}
