//! The protected resource: the seeds' example of "a request to get all department names".
//! Kept in memory: the workbench measures authentication, not storage.

use std::sync::RwLock;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Department {
    pub id: u64,
    pub name: String,
}

pub struct Departments {
    items: RwLock<Vec<Department>>,
}

impl Default for Departments {
    fn default() -> Self {
        let seed = ["Engineering", "Sales", "Support"];
        Departments {
            items: RwLock::new(
                seed.iter()
                    .enumerate()
                    .map(|(i, name)| Department {
                        id: i as u64 + 1,
                        name: name.to_string(),
                    })
                    .collect(),
            ),
        }
    }
}

impl Departments {
    pub fn list(&self) -> Vec<Department> {
        match self.items.read() {
            Ok(items) => items.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn add(&self, name: String) -> Department {
        let mut items = match self.items.write() {
            Ok(items) => items,
            Err(poisoned) => poisoned.into_inner(),
        };
        let id = items.iter().map(|d| d.id).max().unwrap_or(0) + 1;
        let department = Department { id, name };
        items.push(department.clone());
        department
    }
}
