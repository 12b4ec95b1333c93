//! Secrets kept in the data folder: generated once, shared by every instance on that folder.

use crate::config::Config;
use crate::contacts::sessions;
use anyhow::Context;
use std::path::Path;

/// Reads the admin token from configuration, else from `DATA_DIR/admin-token`, creating
/// that file (mode 0600) with a fresh random token the first time.
pub fn admin_token(config: &Config) -> anyhow::Result<String> {
    secret(config, config.admin_token.as_ref(), "admin-token")
}

/// A secret from configuration, else from `DATA_DIR/FILE`, created (mode 0600) with 256
/// fresh random bits the first time.
pub fn secret(config: &Config, configured: Option<&String>, file: &str) -> anyhow::Result<String> {
    if let Some(value) = configured {
        return Ok(value.clone());
    }
    let path = config.data_dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    // Instances starting together on one data folder must agree on one secret: write it
    // whole to a private temporary file, then publish it with an atomic, create-only link.
    // Whoever loses the race reads the winner's.
    let token = sessions::new_token();
    let tmp = config
        .data_dir
        .join(format!(".{file}.{}", &sessions::new_token()[..12]));
    write_private(&tmp, &token).with_context(|| format!("writing {}", tmp.display()))?;
    let published = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match published {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?
                .trim()
                .to_owned())
        }
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_racing_on_one_data_folder_all_get_the_same_generated_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let secrets: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| secret(&config, None, "jwt-secret").expect("secret")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        assert!(
            secrets.iter().all(|s| s == &secrets[0] && s.len() == 43),
            "{secrets:?}"
        );
        let files = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(files, 1, "no temporary files left behind");
    }
}
