// Runs in the image: the packages micromamba recorded in the base environment.
var meta = Directory.GetFiles("/opt/conda/conda-meta", "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal);
Console.WriteLine("conda: " + string.Join(" ", meta));
