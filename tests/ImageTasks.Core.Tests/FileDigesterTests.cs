using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <remarks>Sets Unix modes on test files, so runs where the build does (Linux).</remarks>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileDigesterTests
{
    private const string BaseId = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Rwx = Rw | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("imagetasks-digest-").FullName;

    [TestCleanup]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    /// <summary>A project folder: app/{a.txt, .hidden, sub/b.txt, empty/} and tool.sh, with fixed modes.</summary>
    private string MakeTree(string name)
    {
        var project = Path.Combine(_root, name);
        Write(Path.Combine(project, "app", "a.txt"), "alpha");
        Write(Path.Combine(project, "app", ".hidden"), "secret");
        Write(Path.Combine(project, "app", "sub", "b.txt"), "beta");
        Directory.CreateDirectory(Path.Combine(project, "app", "empty"));
        Write(Path.Combine(project, "tool.sh"), "#!/bin/sh\necho hi\n");
        foreach (var dir in Directory.GetDirectories(project, "*", SearchOption.AllDirectories).Append(project)) File.SetUnixFileMode(dir, Rwx);
        foreach (var file in Directory.GetFiles(project, "*", SearchOption.AllDirectories)) File.SetUnixFileMode(file, Rw);
        return project;
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static CopyStep CopyOf(string project, string? mode = null) =>
        new([new CopySource(Path.Combine(project, "app")), new CopySource(Path.Combine(project, "tool.sh"), "bin/tool")], "/srv/app", mode);

    private static string CopyKey(string project, FileDigester? digester = null) =>
        Planner.Plan(new ImageDefinition(ImageReference.Parse("ubuntu"), [CopyOf(project), new ShellStep(["true"])]), BaseId, digester ?? new FileDigester())
            .Steps[0].Key;

    [TestMethod]
    public void Lists_folders_and_files_sorted_with_image_paths()
    {
        var project = MakeTree("p");
        var entries = new FileDigester().Digest(CopyOf(project));
        CollectionAssert.AreEqual(
            new[] { "/srv/app", "/srv/app/.hidden", "/srv/app/a.txt", "/srv/app/bin/tool", "/srv/app/empty", "/srv/app/sub", "/srv/app/sub/b.txt" },
            entries.Select(e => e.ImagePath).ToArray());
        var a = entries.Single(e => e.ImagePath == "/srv/app/a.txt");
        Assert.AreEqual(("8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8", 5L, (int)Rw, false, Path.Combine(project, "app", "a.txt")),
            (a.Sha256, a.Size, a.Mode, a.IsDirectory, a.HostPath));
        var empty = entries.Single(e => e.ImagePath == "/srv/app/empty");
        Assert.AreEqual((true, (int)Rwx, "", (string?)null), (empty.IsDirectory, empty.Mode, empty.Sha256, empty.HostPath));
    }

    [TestMethod]
    [DataRow("/opt/tool", null, "/opt/tool")]
    [DataRow("/opt/", null, "/opt/tool.sh")]
    [DataRow("/", null, "/tool.sh")]
    [DataRow("/opt", "bin/t", "/opt/bin/t")]
    [DataRow("/opt//./x/", "t", "/opt/x/t")]
    public void Places_a_file(string destination, string? targetName, string imagePath)
    {
        var project = MakeTree("p");
        var entries = new FileDigester().Digest(new CopyStep([new CopySource(Path.Combine(project, "tool.sh"), targetName)], destination));
        Assert.AreEqual(imagePath, entries.Single().ImagePath);
    }

    [TestMethod]
    public void Mode_overrides_files_only()
    {
        var entries = new FileDigester().Digest(CopyOf(MakeTree("p"), "0600"));
        Assert.IsTrue(entries.Where(e => !e.IsDirectory).All(e => e.Mode == Convert.ToInt32("600", 8)));
        Assert.IsTrue(entries.Where(e => e.IsDirectory).All(e => e.Mode == (int)Rwx));
    }

    [TestMethod]
    public void Same_content_in_another_folder_gives_the_same_key()
    {
        var first = MakeTree("one");
        var second = MakeTree(Path.Combine("elsewhere", "two"));
        Assert.AreEqual(CopyKey(first), CopyKey(second));
        Assert.AreEqual(CopyKey(first), CopyKey(first));
    }

    [TestMethod]
    public void An_archives_own_mode_is_not_in_the_extract_key()
    {
        // ADD of an archive: the entries keep the archive's modes; the archive file's own mode goes nowhere
        var archive = Path.Combine(_root, "data.tar");
        Write(archive, "not really a tar");
        string Key() => Planner.Plan(new ImageDefinition(ImageReference.Parse("ubuntu"), [new ExtractStep(archive, "/opt/data")]), BaseId, new FileDigester())
            .Steps[0].Key;
        File.SetUnixFileMode(archive, Rw);
        var key = Key();
        File.SetUnixFileMode(archive, Rwx);
        Assert.AreEqual(key, Key());
        Write(archive, "not really a tar, changed");
        Assert.AreNotEqual(key, Key());
    }

    [TestMethod]
    public void Content_or_mode_changes_the_key_but_touch_does_not()
    {
        var project = MakeTree("p");
        var file = Path.Combine(project, "app", "sub", "b.txt");
        var key = CopyKey(project);

        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-3));
        Assert.AreEqual(key, CopyKey(project), "an mtime-only change changed the key");

        File.SetUnixFileMode(file, Rwx);
        var modeKey = CopyKey(project);
        Assert.AreNotEqual(key, modeKey, "a mode change kept the key");

        File.SetUnixFileMode(file, Rw);
        File.WriteAllText(file, "BETA");
        Assert.AreNotEqual(key, CopyKey(project), "a content change kept the key");
        Assert.AreNotEqual(modeKey, CopyKey(project));
    }

    [TestMethod]
    public void Adding_an_empty_folder_changes_the_key()
    {
        var project = MakeTree("p");
        var key = CopyKey(project);
        Directory.CreateDirectory(Path.Combine(project, "app", "new"));
        Assert.AreNotEqual(key, CopyKey(project));
    }

    [TestMethod]
    public void The_index_saves_rereading_unchanged_files()
    {
        var project = MakeTree("p");
        Thread.Sleep(150); // past the timestamp granularity: the stamps are not racy
        var indexPath = Path.Combine(_root, "obj", "files.index");
        var cold = new FileDigester(indexPath);
        var key = CopyKey(project, cold);
        Assert.AreEqual(4, cold.FilesHashed);
        Assert.IsTrue(File.Exists(indexPath));
        var written = File.GetLastWriteTimeUtc(indexPath);
        File.SetLastWriteTimeUtc(indexPath, written.AddMinutes(-5));

        var warm = new FileDigester(indexPath);
        Assert.AreEqual(key, CopyKey(project, warm));
        Assert.AreEqual(0, warm.FilesHashed);
        Assert.AreEqual(written.AddMinutes(-5), File.GetLastWriteTimeUtc(indexPath), "an unchanged index was written again");

        var file = Path.Combine(project, "app", "a.txt");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        var touched = new FileDigester(indexPath);
        Assert.AreEqual(key, CopyKey(project, touched));
        Assert.AreEqual(1, touched.FilesHashed);

        File.WriteAllText(file, "ALPHA"); // same size, new mtime
        var edited = new FileDigester(indexPath);
        Assert.AreNotEqual(key, CopyKey(project, edited));
        Assert.AreEqual(1, edited.FilesHashed);
    }

    [TestMethod]
    public void A_rewrite_that_restores_size_and_mtime_is_read_again()
    {
        // cp -p, rsync -a, tar and unzip write new bytes and put the old mtime back
        var project = MakeTree("p");
        Thread.Sleep(150);
        var indexPath = Path.Combine(_root, "obj", "files.index");
        var key = CopyKey(project, new FileDigester(indexPath));
        var file = Path.Combine(project, "app", "a.txt");
        var mtime = File.GetLastWriteTimeUtc(file);
        var stamp = FileStamp.Of(new FileInfo(file));
        Assert.IsTrue(stamp.Inode != 0 && stamp.Device != 0 && stamp.Size == 5, $"statx gives inode and device on Linux: {stamp}");
        File.WriteAllText(file, "ALPHA");
        File.SetLastWriteTimeUtc(file, mtime);

        var after = new FileDigester(indexPath);
        Assert.AreNotEqual(key, CopyKey(project, after), "the new bytes change the key");
        Assert.AreEqual(1, after.FilesHashed);

        // replaced by another file (a new inode) with the old bytes, size and mtime: read again, same key as the first
        var other = Path.Combine(_root, "a.txt.new");
        File.WriteAllText(other, "alpha");
        File.SetUnixFileMode(other, Rw);
        File.SetLastWriteTimeUtc(other, mtime);
        File.Move(other, file, overwrite: true);
        var replaced = new FileDigester(indexPath);
        Assert.AreEqual(key, CopyKey(project, replaced));
        Assert.AreEqual(1, replaced.FilesHashed);
    }

    [TestMethod]
    public void A_stamp_taken_within_the_timestamp_granularity_is_racy()
    {
        var now = DateTime.UtcNow;
        long Ticks(DateTime t) => t.Ticks - DateTime.UnixEpoch.Ticks;
        var fresh = new FileStamp(1, 2, 3, Ticks(now.AddSeconds(-10)), Ticks(now.AddMilliseconds(-20)));
        Assert.IsTrue(fresh.IsRacy(now), "a status change 20 ms ago: a second change in the same tick would keep the stamp");
        Assert.IsFalse(fresh.IsRacy(now.AddSeconds(1)));
        // a file system that stores whole seconds: two seconds of doubt
        var second = new DateTime(now.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        var coarse = new FileStamp(1, 2, 3, Ticks(second.AddSeconds(-10)), Ticks(second));
        Assert.IsTrue(coarse.IsRacy(second.AddMilliseconds(1500)));
        Assert.IsFalse(coarse.IsRacy(second.AddSeconds(3)));
    }

    [TestMethod]
    public void A_racy_stamp_is_not_kept_in_the_index()
    {
        var project = MakeTree("p");
        var indexPath = Path.Combine(_root, "obj", "files.index");
        // as if the files had changed just before they were read
        var key = CopyKey(project, new FileDigester(indexPath) { UtcNow = () => DateTime.UtcNow.AddSeconds(-5) });
        var again = new FileDigester(indexPath);
        Assert.AreEqual(key, CopyKey(project, again));
        Assert.AreEqual(4, again.FilesHashed, "racy entries are read again");
    }

    [TestMethod]
    public void A_damaged_index_is_read_again_from_the_files()
    {
        var project = MakeTree("p");
        var indexPath = Path.Combine(_root, "files.index");
        File.WriteAllText(indexPath, "{ not json");
        var digester = new FileDigester(indexPath);
        Assert.AreEqual(CopyKey(project), CopyKey(project, digester));
        Assert.AreEqual(4, digester.FilesHashed);
        Assert.AreEqual(0, Directory.GetFiles(_root, "*.tmp").Length);
    }

    [TestMethod]
    public void Digests_taken_ahead_give_the_same_plan_and_a_missing_source_fails_there_as_in_the_plan()
    {
        var project = MakeTree("ahead");
        var definition = new ImageDefinition(ImageReference.Parse("ubuntu"), [CopyOf(project), new ShellStep(["true"])]);
        var digester = new FileDigester();
        Planner.DigestFiles(definition, digester);
        Assert.AreEqual(4, digester.FilesRead.Count, "every copied file was read ahead");
        CollectionAssert.AreEqual(Planner.Plan(definition, BaseId, new FileDigester()).Steps.Select(s => s.Key).ToArray(),
            Planner.Plan(definition, BaseId, digester).Steps.Select(s => s.Key).ToArray());

        var missing = Path.Combine(_root, "nope");
        var broken = new ImageDefinition(ImageReference.Parse("ubuntu"), [new CopyStep([new CopySource(missing)], "/app")]);
        Expect.Code(ErrorCodes.SourceNotFound, missing, () => Planner.DigestFiles(broken, new FileDigester()));
    }

    [TestMethod]
    public void A_missing_source_fails()
    {
        var missing = Path.Combine(_root, "nope");
        Expect.Code(ErrorCodes.SourceNotFound, missing, () => new FileDigester().Digest(new CopyStep([new CopySource(missing)], "/app")));
    }

    [TestMethod]
    public void Two_files_on_one_path_fail()
    {
        var project = MakeTree("p");
        var step = new CopyStep([new CopySource(Path.Combine(project, "tool.sh"), "t"), new CopySource(Path.Combine(project, "app", "a.txt"), "t")], "/app");
        Expect.Code(ErrorCodes.DuplicateImagePath, "/app/t", () => new FileDigester().Digest(step));
    }

    [TestMethod]
    public void A_symlink_is_copied_as_the_file_it_points_to()
    {
        var project = MakeTree("p");
        File.CreateSymbolicLink(Path.Combine(project, "app", "link.txt"), Path.Combine(project, "app", "a.txt"));
        var entries = new FileDigester().Digest(CopyOf(project));
        var link = entries.Single(e => e.ImagePath == "/srv/app/link.txt");
        var target = entries.Single(e => e.ImagePath == "/srv/app/a.txt");
        Assert.AreEqual((target.Sha256, target.Mode, target.HostPath), (link.Sha256, link.Mode, link.HostPath));

        Directory.CreateSymbolicLink(Path.Combine(project, "app", "loop"), project);
        Expect.Code(ErrorCodes.SourceUnreadable, Path.Combine(project, "app", "loop"), () => new FileDigester().Digest(CopyOf(project)));
    }
}
