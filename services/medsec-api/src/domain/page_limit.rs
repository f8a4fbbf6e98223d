/// Jobs per page of `GET /jobs`: 1 to 500, 50 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const DEFAULT: PageLimit = PageLimit(50);
    pub const MAX: u32 = 500;

    pub fn parse(raw: Option<u32>) -> Result<PageLimit, String> {
        match raw {
            None => Ok(PageLimit::DEFAULT),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(PageLimit(n)),
            Some(n) => Err(format!("limit must be 1 to {}, got {n}", Self::MAX)),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}
