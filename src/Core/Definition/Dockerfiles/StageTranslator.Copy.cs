using System.Text.RegularExpressions;
using ImageTasks.Dockerfiles;
using ImageTasks.Diagnostics;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>COPY and ADD, and the check of an entrypoint script copied from the context.</summary>
public sealed partial class StageTranslator
{
    BuildStep Copy(Instruction i)
    {
        var add = i.Keyword == "ADD";
        string? from = null, owner = null, mode = null;
        foreach (var flag in i.Flags)
        {
            switch (DockerfileProgram.Flag(flag))
            {
                case ("from", { } value) when !add: from = DockerfileProgram.Expand(value, _program.GlobalArgs, FileName, i, Escape); break;
                case ("chown", { } value): owner = Owner(Expand(value)); break;
                case ("chmod", { } value): mode = Expand(value); break;
                case ("link", null or "true" or "false"): break; // an optimization of the layer graph: same files
                default:
                    throw Fail(ErrorCodes.UnsupportedFlag,
                        $"{i.Keyword} {flag} is not supported; {i.Keyword} takes {(add ? "" : "--from, ")}--chown, --chmod and --link.");
            }
        }
        if (i.Heredocs.Count > 0)
            throw Fail(ErrorCodes.UnsupportedSource, $"{i.Keyword} of a here-document is not supported. Put the text in a file of the context and copy that.");
        var words = i.Arguments.Select(Expand).ToArray();
        if (words.Length < 2) throw Fail(ErrorCodes.InvalidValue, $"{i.Keyword} needs at least one source and a destination.");
        var destination = Absolute(words[^1], keepSlash: true);
        var sources = words[..^1];
        var toFolder = destination.EndsWith('/') || destination == "/";
        if (from is not null) return CopyFrom(from, sources, destination, toFolder, owner, mode);

        var paths = new List<string>();
        foreach (var source in sources)
        {
            if (add && IsRemote(source))
                throw Fail(ErrorCodes.UnsupportedSource,
                    $"ADD of '{source}' is not supported: only local files are added. Download it in a RUN step (curl/wget) or put it in the context.");
            var found = _context.Resolve(source)
                        ?? throw Fail(ErrorCodes.CopySourceNotFound, $"'{source}' is outside the build context {_context.Directory}. Copy files from inside it.");
            if (found.Count == 0)
                throw Fail(ErrorCodes.CopySourceNotFound,
                    $"'{source}' is not in the build context {_context.Directory}" + (Glob.HasWildcards(source) ? " (no file matches it)" : "") +
                    ", or .dockerignore excludes it. Check the path (it is relative to the context folder) and .dockerignore.");
            paths.AddRange(found);
        }
        if (paths.Count > 1 && !toFolder)
            throw Fail(ErrorCodes.DestinationNotFolder,
                $"{i.Keyword} of several files ({paths.Count}) needs a destination folder ending with '/': write '{words[^1]}/'.");

        if (add && paths.Count == 1 && File.Exists(paths[0]) && ArchiveKind(paths[0]) is { } kind)
        {
            if (kind != "tar" && kind != "gzip")
                throw Fail(ErrorCodes.UnsupportedSource, $"ADD of a {kind} archive ('{sources[0]}') is not supported; use a plain or gzip tar, or unpack it in a RUN step.");
            return new ExtractStep(paths[0], destination.TrimEnd('/') is { Length: > 0 } d ? d : "/");
        }
        if (add && paths.Count > 1 && paths.Any(p => File.Exists(p) && ArchiveKind(p) is not null))
            throw Fail(ErrorCodes.UnsupportedSource, "ADD of an archive together with other sources is not supported: ADD each archive on its own line.");

        var copySources = paths.Select(p => Directory.Exists(p) ? new CopySource(p) { Filter = _context.FilterFor(p) } : new CopySource(p)).ToArray();
        var singleFile = paths.Count == 1 && File.Exists(paths[0]);
        foreach (var p in paths) _copies.Add(new ContextCopy(p, Directory.Exists(p), destination, toFolder));
        try
        {
            return new CopyStep(copySources, destination, mode, owner) { IntoExistingFolderAs = singleFile && !toFolder ? Path.GetFileName(paths[0]) : null };
        }
        catch (Diagnostics.ImageTasksException e)
        {
            throw Fail(e.Code, e.Message);
        }
    }

    BuildStep CopyFrom(string from, string[] sources, string destination, bool toFolder, string? owner, string? mode)
    {
        if (sources.FirstOrDefault(Glob.HasWildcards) is { } wildcard)
            throw Fail(ErrorCodes.UnsupportedSource, $"COPY --from with a wildcard ('{wildcard}') is not supported. Name the files or their folder.");
        if (sources.Length > 1 && !toFolder)
            throw Fail(ErrorCodes.DestinationNotFolder, $"COPY --from of several paths needs a destination folder ending with '/': write '{destination}/'.");
        if (mode is not null && !Regex.IsMatch(mode, "^[0-7]{3,4}$"))
            throw Fail(ErrorCodes.InvalidValue, $"--chmod={mode} is not an octal mode such as 755 or 0644.");
        var source = _copySource(from);
        // paths in another image are relative to its root, not to this stage's working directory
        var paths = sources.Select(s => "/" + BuildContext.Clean(s)).ToArray();
        return new CopyFromImageStep(source.Image, source.Key, paths, destination, mode, owner);
    }

    /// <summary>--chown as numbers: a layer carries ids, and this engine does not read the image's user database.</summary>
    string Owner(string value)
    {
        if (!Regex.IsMatch(value, @"^\d+(:\d+)?$"))
            throw Fail(ErrorCodes.OwnerNotNumeric,
                $"--chown={value} names a user or group; give numeric ids (--chown=1000:1000). `docker run --rm <image> id <user>` tells them.");
        return value;
    }

    static bool IsRemote(string source) =>
        source.Contains("://", StringComparison.Ordinal) || source.StartsWith("git@", StringComparison.Ordinal);

    /// <summary>"tar", "gzip", "bzip2", "xz" or "zstd" by the file's first bytes; null for other files.</summary>
    static string? ArchiveKind(string path)
    {
        var head = new byte[512];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 2 && head[0] == 0x1f && head[1] == 0x8b) return "gzip";
        if (read >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') return "bzip2";
        if (read >= 6 && head[0] == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) return "xz";
        if (read >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) return "zstd";
        return read >= 262 && System.Text.Encoding.ASCII.GetString(head, 257, 5) == "ustar" ? "tar" : null;
    }

    // ---- the entrypoint check ----

    /// <summary>
    /// When the entrypoint is a shell script copied from the context, the image's command (and docker run's arguments)
    /// reach it as "$@": unless it ends with <c>exec "$@"</c> (or runs them with exec otherwise), they never run.
    /// </summary>
    void CheckEntrypoint()
    {
        if (_config.Entrypoint is not { Count: > 0 } entrypoint || IsShellForm(entrypoint)) return;
        var host = FindCopied(entrypoint[0]);
        if (host is null || !EntrypointScript.DropsArguments(host)) return;
        _warnings.Add(new DockerfileWarning(ErrorCodes.EntrypointDoesNotExec, $"{FileName}: {EntrypointScript.Message(entrypoint[0], host, _config.Cmd)}"));
    }

    bool IsShellForm(IReadOnlyList<string> command) =>
        command.Count == Shell.Count + 1 && command.Take(Shell.Count).SequenceEqual(Shell);

    /// <summary>The host file copied to where <paramref name="program"/> is found in the image (absolute, relative to
    /// the working directory, or on PATH), the latest copy first; null when it was not copied from the context.</summary>
    string? FindCopied(string program)
    {
        var candidates = EntrypointScript.Candidates(program.Contains('/') && !program.StartsWith('/') ? Absolute(program, keepSlash: false) : program, null,
            _config.Env.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..]);
        foreach (var candidate in candidates)
            for (var c = _copies.Count - 1; c >= 0; c--)
                if (HostFileAt(_copies[c], candidate) is { } host) return host;
        return null;
    }

    static string? HostFileAt(ContextCopy copy, string imagePath)
    {
        var destination = copy.Destination.TrimEnd('/');
        if (!copy.IsFolder)
        {
            var name = Path.GetFileName(copy.HostPath);
            var matches = imagePath == (copy.IntoFolder ? destination + "/" + name : destination) || imagePath == destination + "/" + name;
            return matches ? copy.HostPath : null;
        }
        if (!imagePath.StartsWith(destination + "/", StringComparison.Ordinal)) return null;
        var file = Path.Combine(copy.HostPath, imagePath[(destination.Length + 1)..]);
        return File.Exists(file) ? file : null;
    }
}
